import assert from "node:assert/strict";
import dashboard from "../../docs/grafana-dashboard.json" with { type: "json" };
import { ServiceMetrics } from "../../src/pipeline/metrics.ts";

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

const METRIC = /\b((?:traceone|process|nodejs)_[a-z0-9_]+)/g;

async function exposedTypes(): Promise<Map<string, string>> {
  const text = await new ServiceMetrics().render();
  return new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]),
  );
}

function expressions(): { panel: string; expr: string }[] {
  const panels = dashboard.panels as Panel[];
  const fromPanels = panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr }))
  );
  const fromVariables = dashboard.templating.list.flatMap((variable) =>
    "definition" in variable && variable.definition
      ? [{ panel: `$${variable.name}`, expr: variable.definition }]
      : []
  );
  return [...fromPanels, ...fromVariables];
}

Deno.test("the example Grafana dashboard uses only metrics that /metrics exposes", async () => {
  const types = await exposedTypes();
  const missing = expressions().flatMap(({ panel, expr }) =>
    [...expr.matchAll(METRIC)]
      .map(([name]) => name.replace(/_(bucket|sum|count)$/, ""))
      .filter((name) => !types.has(name))
      .map((name) => `${panel}: ${name}`)
  );
  assert.deepEqual(missing, []);
});

Deno.test("the dashboard rates only counters and takes quantiles only of histogram buckets", async () => {
  const types = await exposedTypes();
  const problems: string[] = [];
  for (const { panel, expr } of expressions()) {
    for (const [, fn, name] of expr.matchAll(/\b(rate|increase)\(\s*([a-z_:][a-z0-9_:]*)/g)) {
      const type = types.get(name.replace(/_bucket$/, ""));
      const ok = name.endsWith("_bucket") ? type === "histogram" : type === "counter";
      if (!ok) problems.push(`${panel}: ${fn}(${name}) of a ${type}`);
    }
    if (expr.includes("histogram_quantile") && !/_bucket\b/.test(expr)) {
      problems.push(`${panel}: histogram_quantile without _bucket`);
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("the dashboard has the asked-for panels, unique ids, and every query on the chosen data source", () => {
  const panels = dashboard.panels as Panel[];
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const panel of panels.filter((p) => p.type !== "row")) {
    assert.equal(panel.datasource?.uid, "${datasource}", panel.title);
    assert.ok(panel.targets?.length, `${panel.title} has a query`);
  }
  const exprs = expressions().map((e) => e.expr).join("\n");
  for (
    const needed of [
      "rate(traceone_pulls_total",
      "traceone_journal_batches",
      "traceone_sink_lag_seconds",
      "traceone_dead_letters",
      "histogram_quantile(0.95, sum by (le, endpoint) (rate(traceone_dnb_request_duration_seconds_bucket",
      "traceone_dnb_rate_limited_total",
    ]
  ) assert.ok(exprs.includes(needed), needed);
});
