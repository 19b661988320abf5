import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { MetricDefinitionError, Registry } from "../../src/metrics/registry.ts";

interface Family {
  name: string;
  type: string;
  help: string;
  metrics: {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

function parse(text: string): Record<string, Family> {
  const families = parsePrometheusTextFormat(text) as Family[];
  return Object.fromEntries(families.map((f) => [f.name, f]));
}

Deno.test("the exposition parses with a Prometheus text parser: counters, gauges, histograms, escaped labels", async () => {
  const registry = new Registry({ runtime: false });
  const requests = registry.counter({
    name: "t_requests_total",
    help: "Requests.\nTwo lines",
    labelNames: ["endpoint", "status"],
  });
  requests.inc({ endpoint: "pull", status: "200" }, 3);
  requests.inc({ endpoint: 'we"ird\\path\nx', status: "429" });
  registry.gauge({
    name: "t_lag",
    help: "Lag.",
    labelNames: ["sink"],
    collect: () => [{ labels: { sink: "local" }, value: 2 }],
  });
  const duration = registry.histogram({ name: "t_seconds", help: "Durations.", buckets: [0.1, 1] });
  for (const value of [0.05, 0.5, 5]) duration.observe(value);

  const text = await registry.render();
  assert.match(text, /^# HELP t_requests_total Requests\.\\nTwo lines$/m);
  const byName = parse(text);
  assert.equal(byName.t_requests_total.type, "COUNTER");
  assert.deepEqual(byName.t_requests_total.metrics.map((m) => [m.labels, m.value]), [
    [{ endpoint: "pull", status: "200" }, "3"],
    [{ endpoint: 'we"ird\\path\nx', status: "429" }, "1"],
  ]);
  assert.equal(byName.t_lag.type, "GAUGE");
  assert.equal(byName.t_lag.metrics[0].value, "2");
  assert.equal(byName.t_seconds.type, "HISTOGRAM");
  assert.deepEqual(byName.t_seconds.metrics[0].buckets, { "0.1": "1", "1": "2", "+Inf": "3" });
  assert.equal(byName.t_seconds.metrics[0].count, "3");
  assert.equal(byName.t_seconds.metrics[0].sum, "5.55");
});

Deno.test("a counter without labels prints 0 before anything happened; ensure() starts a label set at 0 and never resets it", async () => {
  const registry = new Registry({ runtime: false });
  registry.counter({ name: "t_plain_total", help: "Plain." });
  const sized = registry.counter({ name: "t_sized_total", help: "Sized.", labelNames: ["sink"] });
  sized.ensure({ sink: "local" });
  sized.ensure({ sink: "sql" });
  sized.inc({ sink: "sql" }, 4);
  sized.ensure({ sink: "sql" });

  const byName = parse(await registry.render());
  assert.equal(byName.t_plain_total.metrics[0].value, "0");
  assert.deepEqual(byName.t_sized_total.metrics.map((m) => [m.labels?.sink, m.value]), [
    ["local", "0"],
    ["sql", "4"],
  ]);
});

Deno.test("a counter read from a running total and a gauge read when scraped drop series that went away", async () => {
  const registry = new Registry({ runtime: false });
  let refreshes = 0;
  let sinks: Record<string, number> = { local: 2, sql: 5 };
  registry.counter({
    name: "t_refreshes_total",
    help: "Refreshes.",
    collect: () => [{ value: refreshes }],
  });
  registry.gauge({
    name: "t_lag_batches",
    help: "Lag.",
    labelNames: ["sink"],
    collect: () => Object.entries(sinks).map(([sink, value]) => ({ labels: { sink }, value })),
  });

  let byName = parse(await registry.render());
  assert.equal(byName.t_refreshes_total.type, "COUNTER");
  assert.equal(byName.t_refreshes_total.metrics[0].value, "0");
  assert.equal(byName.t_lag_batches.metrics.length, 2);

  refreshes = 3;
  sinks = { sql: 0 };
  byName = parse(await registry.render());
  assert.equal(byName.t_refreshes_total.metrics[0].value, "3", "the total, not added to 0 again");
  assert.deepEqual(byName.t_lag_batches.metrics.map((m) => [m.labels?.sink, m.value]), [
    ["sql", "0"],
  ]);
});

Deno.test("names and labels outside Prometheus' grammar, and a name used twice, are typed errors", () => {
  const registry = new Registry();
  const refused = (build: () => unknown, code: string) =>
    assert.throws(build, (error) => error instanceof MetricDefinitionError && error.code === code);
  refused(() => registry.counter({ name: "bad-name", help: "x" }), "METRIC_INVALID");
  refused(
    () => registry.counter({ name: "ok_total", help: "x", labelNames: ["__reserved"] }),
    "METRIC_INVALID",
  );
  registry.counter({ name: "twice_total", help: "x" });
  refused(() => registry.counter({ name: "twice_total", help: "x" }), "METRIC_DUPLICATE");
  refused(
    () => registry.gauge({ name: "process_resident_memory_bytes", help: "x", collect: () => [] }),
    "METRIC_DUPLICATE",
  );
});

Deno.test("two registries are independent; the process metrics follow the service's", async () => {
  const a = new Registry();
  const b = new Registry();
  a.counter({ name: "t_same_total", help: "A." }).inc();
  b.counter({ name: "t_same_total", help: "B." });
  const textA = await a.render();
  const byNameA = parse(textA);
  assert.equal(byNameA.t_same_total.metrics[0].value, "1");
  assert.equal(parse(await b.render()).t_same_total.metrics[0].value, "0");
  assert.ok(textA.indexOf("t_same_total") < textA.indexOf("process_cpu_seconds_total"));
  assert.ok(byNameA.process_resident_memory_bytes);
  assert.ok(
    !("process_resident_memory_bytes" in parse(await new Registry({ runtime: false }).render())),
  );
});

Deno.test("a histogram's quantile is estimated from its buckets like histogram_quantile", async () => {
  const registry = new Registry({ runtime: false });
  const histogram = registry.histogram({
    name: "test_latency_seconds",
    help: "Test.",
    labelNames: ["endpoint"],
    buckets: [0.1, 0.5, 1],
  });
  assert.equal(await histogram.quantile(0.95), null, "nothing observed yet");
  // 90 fast ones on one endpoint, 10 between 0.5 and 1 s on another.
  for (let i = 0; i < 90; i++) histogram.observe(0.05, { endpoint: "pull" });
  for (let i = 0; i < 10; i++) histogram.observe(0.8, { endpoint: "replay" });
  // Rank 95 of 100 lies half-way through the (0.5, 1] bucket's 10.
  assert.equal(await histogram.quantile(0.95), 0.75);
  assert.equal(await histogram.quantile(0.5), 0.1 * (50 / 90));
});
