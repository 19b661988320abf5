/**
 * The one file that imports prom-client: the few calls the service makes, so the rest of the code
 * (and its tests) never sees prom-client's API, and swapping it means changing this file only.
 */
import client from "prom-client";

export type Labels = Record<string, string>;

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export interface Sample {
  labels?: Labels;
  value: number;
}

/** Reads values when scraped: the service's state, or a running total kept elsewhere. */
export type Collect = () => Promise<Sample[]> | Sample[];

export type MetricDefinitionErrorCode = "METRIC_INVALID" | "METRIC_DUPLICATE";

/** A metric that cannot be registered: a programming error, caught by the first test that builds it. */
export class MetricDefinitionError extends Error {
  readonly code: MetricDefinitionErrorCode;
  readonly metric: string;

  constructor(code: MetricDefinitionErrorCode, metric: string, message: string) {
    super(`metric ${metric}: ${message}`);
    this.name = "MetricDefinitionError";
    this.code = code;
    this.metric = metric;
  }
}

/**
 * prom-client's default collectors whose values are wrong under Deno 2.9 (measured, see
 * tests/metrics/runtime_test.ts): `monitorEventLoopDelay` does not see a 200 ms block, no `gc`
 * performance entries are emitted, `_getActiveHandles`/`_getActiveRequests` are always empty,
 * `getActiveResourcesInfo` sees Node timers but not `Deno.serve`, KV or sockets, and
 * `process.version` is Deno's Node-compatibility version, not a Node that runs. A series that is
 * always 0 would look healthy, so they are dropped; `traceone_build_info` names the runtime.
 */
export const UNRELIABLE_UNDER_DENO: readonly string[] = [
  "nodejs_eventloop_lag_min_seconds",
  "nodejs_eventloop_lag_max_seconds",
  "nodejs_eventloop_lag_mean_seconds",
  "nodejs_eventloop_lag_stddev_seconds",
  "nodejs_eventloop_lag_p50_seconds",
  "nodejs_eventloop_lag_p90_seconds",
  "nodejs_eventloop_lag_p99_seconds",
  "nodejs_gc_duration_seconds",
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_requests",
  "nodejs_active_requests_total",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
  "nodejs_version_info",
];

let runtime: client.Registry | null = null;

/**
 * The process metrics (`process_*`, `nodejs_heap_*`, `nodejs_eventloop_lag_seconds`), one set
 * per process: they describe the process, and each `collectDefaultMetrics` call starts its own
 * observers, which many registries in one test run would pile up.
 */
function runtimeRegistry(): client.Registry {
  if (runtime) return runtime;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  for (const name of UNRELIABLE_UNDER_DENO) registry.removeSingleMetric(name);
  // prom-client reads the resident set from /proc/self/status, which Deno opens only under
  // --allow-all: under the narrow permission sets (README, "Security") it would go missing.
  // Deno measures it without any permission.
  registry.removeSingleMetric("process_resident_memory_bytes");
  new client.Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  runtime = registry;
  return registry;
}

export interface RegistryOptions {
  /** Include the process metrics (default true). */
  runtime?: boolean;
}

export class Registry {
  /** The exposition's content type (text format 0.0.4). */
  readonly contentType: string = client.Registry.PROMETHEUS_CONTENT_TYPE;
  readonly #own = new client.Registry();
  readonly #runtime: client.Registry | null;

  constructor(options: RegistryOptions = {}) {
    this.#runtime = options.runtime === false ? null : runtimeRegistry();
  }

  /**
   * A counter fed with `inc`; or, with `collect`, one that reads running totals kept elsewhere
   * (such as the token provider's refresh count) when scraped.
   */
  counter(options: MetricOptions & { collect?: Collect }): Counter {
    const collect = options.collect;
    const metric = this.#define(options, (config) =>
      new client.Counter({
        ...config,
        ...(collect
          ? {
            async collect() {
              const samples = await collect();
              this.reset();
              for (const sample of samples) this.inc(sample.labels ?? {}, sample.value);
            },
          }
          : {}),
      }));
    return new Counter(metric);
  }

  /** A gauge read when scraped, so it is never stale. */
  gauge(options: MetricOptions & { collect: Collect }): void {
    const collect = options.collect;
    this.#define(options, (config) =>
      new client.Gauge({
        ...config,
        async collect() {
          const samples = await collect();
          // Reset first: a sink or registration that went away must not keep its last value.
          this.reset();
          for (const sample of samples) this.set(sample.labels ?? {}, sample.value);
        },
      }));
  }

  histogram(options: MetricOptions & { buckets: readonly number[] }): Histogram {
    const buckets = [...options.buckets];
    return new Histogram(
      this.#define(options, (config) => new client.Histogram({ ...config, buckets })),
    );
  }

  /** The text exposition: this registry's metrics, then the process metrics. */
  async render(): Promise<string> {
    const own = await this.#own.metrics();
    const runtime = this.#runtime ? await this.#runtime.metrics() : "";
    return [own, runtime].map((text) => text.trim()).filter((text) => text !== "").join("\n\n") +
      "\n";
  }

  #define<T extends client.Metric<string>>(
    options: MetricOptions,
    build: (config: { name: string; help: string; labelNames: string[]; registers: [] }) => T,
  ): T {
    const { name } = options;
    if (this.#own.getSingleMetric(name) || this.#runtime?.getSingleMetric(name)) {
      throw new MetricDefinitionError("METRIC_DUPLICATE", name, "registered twice");
    }
    // prom-client accepts these; Prometheus reserves them for its own labels (`__name__`).
    const reserved = options.labelNames?.find((label) => label.startsWith("__"));
    if (reserved) {
      throw new MetricDefinitionError("METRIC_INVALID", name, `label ${reserved} is reserved`);
    }
    let metric: T;
    try {
      // `registers: []` keeps it out of prom-client's global registry, shared by the process.
      metric = build({
        name,
        help: options.help,
        labelNames: [...options.labelNames ?? []],
        registers: [],
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MetricDefinitionError("METRIC_INVALID", name, reason);
    }
    this.#own.registerMetric(metric);
    return metric;
  }
}

export class Counter {
  readonly #metric: client.Counter<string>;

  constructor(metric: client.Counter<string>) {
    this.#metric = metric;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.#metric.inc(labels, by);
  }

  /**
   * Gives a label set its zero sample without touching a value it already has, so that
   * `rate()` and `increase()` see the first event instead of a series appearing at 1.
   */
  ensure(labels: Labels): void {
    this.#metric.inc(labels, 0);
  }
}

export class Histogram {
  readonly #metric: client.Histogram<string>;

  constructor(metric: client.Histogram<string>) {
    this.#metric = metric;
  }

  observe(value: number, labels: Labels = {}): void {
    this.#metric.observe(labels, value);
  }

  /**
   * The `q` quantile over every label set, estimated from the buckets as Prometheus'
   * `histogram_quantile` does (linear within a bucket); null before any observation.
   */
  async quantile(q: number): Promise<number | null> {
    const { values } = await this.#metric.get();
    const byBound = new Map<number, number>();
    for (const sample of values) {
      if (sample.metricName?.endsWith("_bucket") !== true) continue;
      const le = sample.labels.le;
      const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
      byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
    }
    const bounds = [...byBound.keys()].sort((a, b) => a - b);
    const total = byBound.get(Number.POSITIVE_INFINITY) ?? 0;
    if (total === 0) return null;
    const rank = q * total;
    let lower = 0;
    let below = 0;
    for (const bound of bounds) {
      const count = byBound.get(bound)!;
      if (count >= rank) {
        if (bound === Number.POSITIVE_INFINITY) return lower;
        return lower + (bound - lower) * ((rank - below) / Math.max(1, count - below));
      }
      lower = bound;
      below = count;
    }
    return lower;
  }
}
