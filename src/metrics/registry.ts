/**
 * A small Prometheus registry: counters, gauges (read when scraped) and histograms, rendered in
 * the text exposition format 0.0.4. Deno has no Prometheus exporter and prom-client is Node's;
 * this is the part of it the service needs.
 */

export type Labels = Record<string, string>;

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

interface Metric {
  readonly name: string;
  render(): Promise<string[]> | string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class Registry {
  readonly #metrics = new Map<string, Metric>();

  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  gauge(options: MetricOptions & { collect: () => Promise<Sample[]> | Sample[] }): Gauge {
    return this.#add(new Gauge(options));
  }

  histogram(options: MetricOptions & { buckets: readonly number[] }): Histogram {
    return this.#add(new Histogram(options));
  }

  /** The text exposition of every metric; gauges are read now. */
  async render(): Promise<string> {
    const lines: string[] = [];
    for (const metric of this.#metrics.values()) lines.push(...await metric.render());
    return lines.join("\n") + "\n";
  }

  #add<T extends Metric>(metric: T): T {
    if (this.#metrics.has(metric.name)) {
      throw new Error(`metric ${metric.name} is registered twice`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}

export interface Sample {
  labels?: Labels;
  value: number;
}

abstract class LabelledMetric implements Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];

  constructor(options: MetricOptions) {
    if (!NAME.test(options.name)) throw new Error(`invalid metric name ${options.name}`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL.test(label) || label.startsWith("__")) throw new Error(`invalid label ${label}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  protected header(type: string): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${type}`];
  }

  protected key(labels: Labels): string {
    return this.labelNames.map((name) => labels[name] ?? "").join("\u0000");
  }

  protected labelsOf(key: string): Labels {
    const values = key.split("\u0000");
    return Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ""]));
  }

  abstract render(): Promise<string[]> | string[];
}

export class Counter extends LabelledMetric {
  readonly #values = new Map<string, number>();

  inc(labels: Labels = {}, by = 1): void {
    const key = this.key(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  value(labels: Labels = {}): number {
    return this.#values.get(this.key(labels)) ?? 0;
  }

  render(): string[] {
    const lines = this.header("counter");
    for (const [key, value] of this.#values) {
      lines.push(`${this.name}${formatLabels(this.labelsOf(key))} ${formatValue(value)}`);
    }
    return lines;
  }
}

export class Gauge extends LabelledMetric {
  readonly #collect: () => Promise<Sample[]> | Sample[];

  constructor(options: MetricOptions & { collect: () => Promise<Sample[]> | Sample[] }) {
    super(options);
    this.#collect = options.collect;
  }

  async render(): Promise<string[]> {
    const lines = this.header("gauge");
    for (const sample of await this.#collect()) {
      lines.push(`${this.name}${formatLabels(sample.labels ?? {})} ${formatValue(sample.value)}`);
    }
    return lines;
  }
}

export class Histogram extends LabelledMetric {
  readonly buckets: readonly number[];
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(options: MetricOptions & { buckets: readonly number[] }) {
    super(options);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  observe(value: number, labels: Labels = {}): void {
    const key = this.key(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) series.counts[i]++;
    });
    series.sum += value;
    series.count++;
  }

  render(): string[] {
    const lines = this.header("histogram");
    for (const [key, series] of this.#series) {
      const labels = this.labelsOf(key);
      this.buckets.forEach((bound, i) => {
        lines.push(
          `${this.name}_bucket${formatLabels({ ...labels, le: formatValue(bound) })} ${
            series.counts[i]
          }`,
        );
      });
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${series.count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatValue(series.sum)}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${series.count}`);
    }
    return lines;
  }
}

export function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
