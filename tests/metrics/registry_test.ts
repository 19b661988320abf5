import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Registry } from "../../src/metrics/registry.ts";

Deno.test("the exposition parses with a Prometheus text parser: counters, gauges, histograms, escaped labels", async () => {
  const registry = new Registry();
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
  const families = parsePrometheusTextFormat(text) as {
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
  }[];
  const byName = Object.fromEntries(families.map((f) => [f.name, f]));
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

Deno.test("names and labels outside Prometheus' grammar are refused when registered", () => {
  const registry = new Registry();
  assert.throws(() => registry.counter({ name: "bad-name", help: "x" }), /invalid metric name/);
  assert.throws(
    () => registry.counter({ name: "ok", help: "x", labelNames: ["__reserved"] }),
    /invalid label/,
  );
  registry.counter({ name: "twice", help: "x" });
  assert.throws(() => registry.counter({ name: "twice", help: "x" }), /registered twice/);
});
