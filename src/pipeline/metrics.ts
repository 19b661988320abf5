import type { AttemptObservation } from "../dnb/transport.ts";
import { type Counter, type Histogram, Registry, type Sample } from "../metrics/registry.ts";
import type { BreakerState } from "../resilience/circuit_breaker.ts";
import type { DeliveredEvent } from "./dispatch.ts";
import type { TickResult } from "./monitor.ts";

/** What the scrape-time gauges read: the running service's views. */
export interface MetricSources {
  dnbBreaker(): BreakerState;
  tokenRefreshes(): number;
  sinks(): Promise<
    { name: string; lagBatches: number; lagSeconds: number; breaker: BreakerState }[]
  >;
  journal(): Promise<{ batches: number; notifications: number }>;
  deadLetters(): Promise<Record<string, number>>;
}

interface Scrape {
  sinks: ReturnType<MetricSources["sinks"]>;
  journal: ReturnType<MetricSources["journal"]>;
  deadLetters: ReturnType<MetricSources["deadLetters"]>;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The service's Prometheus metrics. Counters are fed by hooks (D&B attempts, ticks, deliveries);
 * gauges read the service when scraped, so they are never stale.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #limiterWait: Histogram;
  readonly #rateLimited: Counter;
  readonly #pulled: Counter;
  readonly #journaled: Counter;
  readonly #delivered: Counter;
  readonly #deliveryDuration: Histogram;
  readonly #ticks: Counter;
  readonly #lostAnswers: Counter;
  #sources: MetricSources | null = null;
  /** What one scrape reads, read once however many gauges use it. */
  #scrape: Scrape | null = null;

  constructor() {
    const r = this.registry;
    this.#requests = r.counter({
      name: "traceone_dnb_requests_total",
      help: "D&B Direct+ HTTP attempts by endpoint and status (or timeout/network).",
      labelNames: ["endpoint", "status"],
    });
    this.#duration = r.histogram({
      name: "traceone_dnb_request_duration_seconds",
      help: "Duration of D&B Direct+ HTTP attempts.",
      labelNames: ["endpoint"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.#limiterWait = r.histogram({
      name: "traceone_dnb_rate_limiter_wait_seconds",
      help: "Time calls waited for the shared rate limiter before being sent.",
      buckets: [0, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
    });
    this.#rateLimited = r.counter({
      name: "traceone_dnb_rate_limited_total",
      help: "429 answers from D&B.",
    });
    r.gauge({
      name: "traceone_dnb_token_refreshes",
      help: "Access tokens fetched since start.",
      collect: () => [{ value: this.#sources?.tokenRefreshes() ?? 0 }],
    });
    this.#ticks = r.counter({
      name: "traceone_ticks_total",
      help: "Monitoring ticks by registration and outcome.",
      labelNames: ["registration", "outcome"],
    });
    this.#lostAnswers = r.counter({
      name: "traceone_pull_answers_lost_total",
      help: "Pull answers that did not arrive whole, each recovered through replay.",
      labelNames: ["registration"],
    });
    this.#pulled = r.counter({
      name: "traceone_notifications_pulled_total",
      help: "Notifications D&B handed over (pull and replay), valid or not.",
      labelNames: ["registration"],
    });
    this.#journaled = r.counter({
      name: "traceone_notifications_journaled_total",
      help: "Notifications written to the journal (duplicates excluded).",
      labelNames: ["registration"],
    });
    this.#delivered = r.counter({
      name: "traceone_notifications_delivered_total",
      help: "Notifications delivered to each sink.",
      labelNames: ["sink"],
    });
    this.#deliveryDuration = r.histogram({
      name: "traceone_sink_delivery_duration_seconds",
      help: "Duration of successful sink deliveries.",
      labelNames: ["sink"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    });
    r.gauge({
      name: "traceone_notifications_dead_lettered",
      help: "Dead letters currently held, per sink (validation: failed validation).",
      labelNames: ["sink"],
      collect: async () =>
        Object.entries(await this.#scrape?.deadLetters ?? {}).map(([sink, value]) => ({
          labels: { sink },
          value,
        })),
    });
    r.gauge({
      name: "traceone_sink_lag_batches",
      help: "Journaled batches a sink does not have yet.",
      labelNames: ["sink"],
      collect: () => this.#sinkSamples((s) => s.lagBatches),
    });
    r.gauge({
      name: "traceone_sink_lag_seconds",
      help: "Age of the oldest batch a sink does not have yet.",
      labelNames: ["sink"],
      collect: () => this.#sinkSamples((s) => s.lagSeconds),
    });
    r.gauge({
      name: "traceone_breaker_state",
      help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
      labelNames: ["breaker"],
      collect: async () => {
        const samples: Sample[] = [];
        if (this.#sources) {
          samples.push({
            labels: { breaker: "dnb_api" },
            value: BREAKER_VALUE[this.#sources.dnbBreaker()],
          });
          for (const sink of await this.#scrape?.sinks ?? []) {
            samples.push({ labels: { breaker: sink.name }, value: BREAKER_VALUE[sink.breaker] });
          }
        }
        return samples;
      },
    });
    r.gauge({
      name: "traceone_journal_batches",
      help: "Batches held in the journal.",
      collect: async () => [{ value: (await this.#scrape?.journal)?.batches ?? 0 }],
    });
    r.gauge({
      name: "traceone_journal_notifications",
      help: "Notifications held in the journal.",
      collect: async () => [{ value: (await this.#scrape?.journal)?.notifications ?? 0 }],
    });
    r.gauge({
      name: "traceone_process_resident_memory_bytes",
      help: "Resident memory of the process.",
      collect: () => [{ value: Deno.memoryUsage().rss }],
    });
    r.gauge({
      name: "traceone_process_heap_used_bytes",
      help: "V8 heap in use.",
      collect: () => [{ value: Deno.memoryUsage().heapUsed }],
    });
  }

  /** The Prometheus text exposition; the service's views are read once per scrape. */
  async render(): Promise<string> {
    const sources = this.#sources;
    this.#scrape = sources
      ? { sinks: sources.sinks(), journal: sources.journal(), deadLetters: sources.deadLetters() }
      : null;
    try {
      return await this.registry.render();
    } finally {
      this.#scrape = null;
    }
  }

  /** Connects the scrape-time gauges to the running service. */
  attach(sources: MetricSources): void {
    this.#sources = sources;
  }

  readonly onAttempt = (observation: AttemptObservation): void => {
    const status = String(observation.outcome);
    this.#requests.inc({ endpoint: observation.endpoint, status });
    this.#duration.observe(observation.durationMs / 1000, { endpoint: observation.endpoint });
    this.#limiterWait.observe(observation.limiterWaitMs / 1000);
    if (observation.outcome === 429) this.#rateLimited.inc();
  };

  readonly onTick = (result: TickResult): void => {
    this.#ticks.inc({ registration: result.registration, outcome: result.outcome });
    if (result.lostResponses > 0) {
      this.#lostAnswers.inc({ registration: result.registration }, result.lostResponses);
    }
    const recoveries = [...(result.recovery ? [result.recovery] : []), ...result.recoveries];
    const received = recoveries.reduce((n, r) => n + r.received, result.received);
    const journaled = recoveries.reduce((n, r) => n + r.journaled, result.journaled);
    if (received > 0) this.#pulled.inc({ registration: result.registration }, received);
    if (journaled > 0) this.#journaled.inc({ registration: result.registration }, journaled);
  };

  readonly onDelivered = (event: DeliveredEvent): void => {
    this.#delivered.inc({ sink: event.sink }, event.notifications);
    this.#deliveryDuration.observe(event.durationMs / 1000, { sink: event.sink });
  };

  async #sinkSamples(
    read: (sink: { lagBatches: number; lagSeconds: number }) => number,
  ): Promise<Sample[]> {
    const sinks = await this.#scrape?.sinks ?? [];
    return sinks.map((sink) => ({ labels: { sink: sink.name }, value: read(sink) }));
  }
}
