/** One sample of a sink, for the dashboard's charts. */
export interface SinkPoint {
  at: string;
  lagBatches: number;
  /** Errors since the previous sample. */
  errors: number;
}

/** One sample of the D&B client: what happened since the previous sample. */
export interface ApiPoint {
  at: string;
  requests: number;
  rateLimited: number;
  errors: number;
}

export interface HistorySources {
  now(): number;
  api(): { requests: number; rateLimited: number; errors: number };
  sinks(): Promise<{ name: string; lagBatches: number; errors: number }[]>;
}

/**
 * Recent history for the dashboard, sampled in memory: each sink's lag and errors, the D&B
 * request, 429 and error counts. Counters become deltas per interval; at most `points` samples
 * are kept, so memory stays flat however long the service runs.
 */
export class ServiceHistory {
  readonly #sources: HistorySources;
  readonly #points: number;
  readonly #api: ApiPoint[] = [];
  readonly #sinks = new Map<string, SinkPoint[]>();
  #lastApi: { requests: number; rateLimited: number; errors: number } | null = null;
  readonly #lastErrors = new Map<string, number>();

  constructor(sources: HistorySources, options: { points?: number } = {}) {
    this.#sources = sources;
    this.#points = options.points ?? 120;
  }

  async sample(): Promise<void> {
    const at = new Date(this.#sources.now()).toISOString();
    const api = this.#sources.api();
    const previous = this.#lastApi ?? api;
    push(this.#api, {
      at,
      requests: api.requests - previous.requests,
      rateLimited: api.rateLimited - previous.rateLimited,
      errors: api.errors - previous.errors,
    }, this.#points);
    this.#lastApi = api;
    for (const sink of await this.#sources.sinks()) {
      const points = this.#sinks.get(sink.name) ?? [];
      const errorsBefore = this.#lastErrors.get(sink.name) ?? sink.errors;
      push(
        points,
        { at, lagBatches: sink.lagBatches, errors: sink.errors - errorsBefore },
        this.#points,
      );
      this.#sinks.set(sink.name, points);
      this.#lastErrors.set(sink.name, sink.errors);
    }
  }

  api(): ApiPoint[] {
    return [...this.#api];
  }

  sink(name: string): SinkPoint[] {
    return [...(this.#sinks.get(name) ?? [])];
  }
}

function push<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}
