import type { AttemptObservation } from "../dnb/transport.ts";
import { type Counter, type Histogram, Registry, type Sample } from "../metrics/registry.ts";
import type { BreakerState } from "../resilience/circuit_breaker.ts";
import { VERSION } from "../version.ts";
import type { DeliveredEvent, FailedEvent } from "./dispatch.ts";
import type { TickOutcome, TickResult } from "./monitor.ts";

/** What the scrape-time gauges read: the running service's views. */
export interface MetricSources {
  dnbBreaker(): BreakerState;
  /** Access tokens fetched since start (a running total). */
  tokenRefreshes(): number;
  sinks(): Promise<
    { name: string; lagBatches: number; lagSeconds: number; breaker: BreakerState }[]
  >;
  journal(): Promise<{ batches: number; notifications: number }>;
  deadLetters(): Promise<Record<string, number>>;
  /**
   * The references being monitored, so that their counters show 0 before their first tick.
   * Without it a registration's series start at its first tick.
   */
  registrations?(): Promise<readonly string[]> | readonly string[];
}

export interface ServiceMetricsOptions {
  /** For `traceone_build_info`; default: deno.json's version. */
  version?: string;
  /** Include the process metrics (`process_*`, `nodejs_heap_*`); default true. */
  runtime?: boolean;
}

interface Scrape {
  sinks: Awaited<ReturnType<MetricSources["sinks"]>>;
  journal: Awaited<ReturnType<MetricSources["journal"]>>;
  deadLetters: Awaited<ReturnType<MetricSources["deadLetters"]>>;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Every outcome gets its zero sample, so a first failure is an increase, not a new series. */
const TICK_OUTCOMES: readonly TickOutcome[] = ["drained", "cap", "stopped", "lease_held", "failed"];

/**
 * The service's Prometheus metrics. Counters are fed by hooks (D&B attempts, ticks, deliveries);
 * gauges read the service when scraped, so they are never stale. Every counter of a known
 * registration or sink shows 0 before anything happened.
 */
export class ServiceMetrics {
  readonly registry: Registry;
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #limiterWait: Histogram;
  readonly #rateLimited: Counter;
  readonly #ticks: Counter;
  readonly #pulls: Counter;
  readonly #lostAnswers: Counter;
  readonly #gaps: Counter;
  readonly #pulled: Counter;
  readonly #journaled: Counter;
  readonly #duplicates: Counter;
  readonly #invalid: Counter;
  readonly #stored: Counter;
  readonly #batches: Counter;
  readonly #failures: Counter;
  readonly #deliveryDuration: Histogram;
  readonly #knownRegistrations = new Set<string>();
  readonly #knownSinks = new Set<string>();
  /** One sink call can deliver several batches; its duration is observed once. */
  readonly #timedReceipts = new WeakSet<object>();
  #sources: MetricSources | null = null;
  /** What one scrape reads, read once however many gauges use it. */
  #scrape: Scrape | null = null;
  /** Overlapping scrapes share one reading: the gauges read `#scrape`, which one render owns. */
  #rendering: Promise<string> | null = null;

  constructor(options: ServiceMetricsOptions = {}) {
    this.registry = new Registry({ runtime: options.runtime });
    const r = this.registry;
    const build = {
      version: options.version ?? VERSION,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
    };
    r.gauge({
      name: "traceone_build_info",
      help: "Always 1; the labels name the running build and runtime.",
      labelNames: Object.keys(build),
      collect: () => [{ labels: build, value: 1 }],
    });
    this.#requests = r.counter({
      name: "traceone_dnb_requests_total",
      help: "D&B Direct+ HTTP attempts by endpoint and status (or timeout/network/too_large).",
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
    r.counter({
      name: "traceone_dnb_token_refreshes_total",
      help: "Access tokens fetched from D&B since start.",
      collect: () => [{ value: this.#sources?.tokenRefreshes() ?? 0 }],
    });
    this.#ticks = r.counter({
      name: "traceone_ticks_total",
      help: "Monitoring ticks by registration and outcome.",
      labelNames: ["registration", "outcome"],
    });
    this.#pulls = r.counter({
      name: "traceone_pulls_total",
      help: "Pull requests sent to D&B for a registration, answered or not (replay excluded).",
      labelNames: ["registration"],
    });
    this.#lostAnswers = r.counter({
      name: "traceone_pull_answers_lost_total",
      help: "Pull answers that did not arrive whole, each recovered through replay.",
      labelNames: ["registration"],
    });
    this.#gaps = r.counter({
      name: "traceone_replay_gaps_total",
      help: "Replay recoveries that could not re-fetch everything (a gap is in /status).",
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
    this.#duplicates = r.counter({
      name: "traceone_notifications_duplicates_total",
      help: "Notifications received again (replay overlap) and not journaled twice.",
      labelNames: ["registration"],
    });
    this.#invalid = r.counter({
      name: "traceone_notifications_invalid_total",
      help: "Notifications that failed validation on arrival and went to the dead letters.",
      labelNames: ["registration"],
    });
    this.#stored = r.counter({
      name: "traceone_sink_notifications_stored_total",
      help: "Notifications in the batches a sink acknowledged (its status counts files, rows, " +
        "objects or alerts instead).",
      labelNames: ["sink"],
    });
    this.#batches = r.counter({
      name: "traceone_sink_batches_delivered_total",
      help: "Journal batches a sink acknowledged.",
      labelNames: ["sink"],
    });
    this.#failures = r.counter({
      name: "traceone_sink_delivery_failures_total",
      help: "Failed sink delivery attempts (each is retried; refusals go to the dead letters).",
      labelNames: ["sink"],
    });
    this.#deliveryDuration = r.histogram({
      name: "traceone_sink_delivery_duration_seconds",
      help: "Duration of successful sink calls (one call may deliver several batches).",
      labelNames: ["sink"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    });
    r.gauge({
      name: "traceone_dead_letters",
      help: 'Dead letters currently held, per sink (sink="validation": failed validation).',
      labelNames: ["sink"],
      collect: () =>
        Object.entries(this.#scrape?.deadLetters ?? {}).map(([sink, value]) => ({
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
      help: "Age of the oldest batch a sink does not have yet; 0 when current.",
      labelNames: ["sink"],
      collect: () => this.#sinkSamples((s) => s.lagSeconds),
    });
    r.gauge({
      name: "traceone_breaker_state",
      help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
      labelNames: ["breaker"],
      collect: () => {
        if (!this.#sources) return [];
        const samples: Sample[] = [
          { labels: { breaker: "dnb_api" }, value: BREAKER_VALUE[this.#sources.dnbBreaker()] },
        ];
        for (const sink of this.#scrape?.sinks ?? []) {
          samples.push({ labels: { breaker: sink.name }, value: BREAKER_VALUE[sink.breaker] });
        }
        return samples;
      },
    });
    r.gauge({
      name: "traceone_journal_batches",
      help: "Batches held in the journal.",
      collect: () => [{ value: this.#scrape?.journal.batches ?? 0 }],
    });
    r.gauge({
      name: "traceone_journal_notifications",
      help: "Notifications held in the journal.",
      collect: () => [{ value: this.#scrape?.journal.notifications ?? 0 }],
    });
  }

  /** The exposition's content type, for the HTTP layer. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition; the service's views are read once per scrape. */
  render(): Promise<string> {
    this.#rendering ??= this.#render().finally(() => {
      this.#rendering = null;
    });
    return this.#rendering;
  }

  /** Connects the scrape-time gauges to the running service. */
  attach(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** Starts a registration's series at zero (also done on its first tick and on each scrape). */
  knowRegistration(registration: string): void {
    if (this.#knownRegistrations.has(registration)) return;
    this.#knownRegistrations.add(registration);
    const labels = { registration };
    for (const outcome of TICK_OUTCOMES) this.#ticks.ensure({ registration, outcome });
    for (
      const counter of [
        this.#pulls,
        this.#lostAnswers,
        this.#gaps,
        this.#pulled,
        this.#journaled,
        this.#duplicates,
        this.#invalid,
      ]
    ) counter.ensure(labels);
  }

  /** Starts a sink's series at zero (also done on its first delivery and on each scrape). */
  knowSink(sink: string): void {
    if (this.#knownSinks.has(sink)) return;
    this.#knownSinks.add(sink);
    for (const counter of [this.#stored, this.#batches, this.#failures]) counter.ensure({ sink });
  }

  /** p95 of D&B request durations since start, in seconds, from the histogram; null before any. */
  requestP95Seconds(): Promise<number | null> {
    return this.#duration.quantile(0.95);
  }

  readonly onAttempt = (observation: AttemptObservation): void => {
    const status = String(observation.outcome);
    this.#requests.inc({ endpoint: observation.endpoint, status });
    this.#duration.observe(observation.durationMs / 1000, { endpoint: observation.endpoint });
    this.#limiterWait.observe(observation.limiterWaitMs / 1000);
    if (observation.outcome === 429) this.#rateLimited.inc();
  };

  readonly onTick = (result: TickResult): void => {
    const labels = { registration: result.registration };
    this.knowRegistration(result.registration);
    this.#ticks.inc({ ...labels, outcome: result.outcome });
    this.#pulls.inc(labels, result.pulls);
    this.#lostAnswers.inc(labels, result.lostResponses);
    const recoveries = [...(result.recovery ? [result.recovery] : []), ...result.recoveries];
    const sum = (read: (r: (typeof recoveries)[number]) => number) =>
      recoveries.reduce((n, r) => n + read(r), 0);
    this.#pulled.inc(labels, result.received + sum((r) => r.received));
    this.#journaled.inc(labels, result.journaled + sum((r) => r.journaled));
    this.#duplicates.inc(labels, result.duplicates + sum((r) => r.duplicates));
    this.#invalid.inc(labels, result.deadLettered + sum((r) => r.deadLettered));
    this.#gaps.inc(labels, recoveries.filter((r) => r.gap !== null).length);
  };

  readonly onDelivered = (event: DeliveredEvent): void => {
    this.knowSink(event.sink);
    this.#stored.inc({ sink: event.sink }, event.notifications);
    this.#batches.inc({ sink: event.sink });
    // A group commit reports each of its batches with the same receipt and the call's duration.
    if (!this.#timedReceipts.has(event.receipt)) {
      this.#timedReceipts.add(event.receipt);
      this.#deliveryDuration.observe(event.durationMs / 1000, { sink: event.sink });
    }
  };

  readonly onFailed = (event: FailedEvent): void => {
    this.knowSink(event.sink);
    this.#failures.inc({ sink: event.sink });
  };

  async #render(): Promise<string> {
    const sources = this.#sources;
    if (sources) {
      const [sinks, journal, deadLetters, registrations] = await Promise.all([
        sources.sinks(),
        sources.journal(),
        sources.deadLetters(),
        sources.registrations?.() ?? [],
      ]);
      for (const registration of registrations) this.knowRegistration(registration);
      for (const sink of sinks) this.knowSink(sink.name);
      this.#scrape = { sinks, journal, deadLetters };
    }
    try {
      return await this.registry.render();
    } finally {
      this.#scrape = null;
    }
  }

  #sinkSamples(read: (sink: Scrape["sinks"][number]) => number): Sample[] {
    return (this.#scrape?.sinks ?? []).map((sink) => ({
      labels: { sink: sink.name },
      value: read(sink),
    }));
  }
}
