/**
 * The real /metrics: a service pulling from the simulator, served over HTTP, scraped with fetch,
 * and every metric checked against Prometheus' naming conventions
 * (https://prometheus.io/docs/practices/naming/).
 */
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { parseConfig } from "../../src/config/load.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { type RunningHttpServer, startHttpServer } from "../../src/http/server.ts";
import { MonitoringService, ServiceMetrics } from "../../src/pipeline/mod.ts";
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, withSimulator } from "../helpers/dnb_client.ts";
import { MemorySink } from "../helpers/memory_sink.ts";

const REF = "REG_METRICS";
const REG = { reference: REF, duns: ["081466849", "268909075"] };
const SNAKE = /^[a-z][a-z0-9_]*$/;
/** Units that are not base units, as a name segment (`_ms`, `_kb`, `_minutes` …). */
const NOT_BASE_UNIT =
  /_(ms|us|ns|msec|millis|milliseconds|microseconds|nanoseconds|sec|secs|minutes?|hours?|days?|kb|mb|gb|kib|mib|gib|kilobytes|megabytes|gigabytes|bits|percent)(_|$)/;

interface FamilyText {
  name: string;
  help: string | null;
  type: string | null;
  samples: { name: string; labels: Record<string, string>; value: string }[];
}

/** Groups the exposition by family, keeping what a parser may drop (histogram labels). */
function families(text: string): Map<string, FamilyText> {
  const byName = new Map<string, FamilyText>();
  const family = (name: string) => {
    let found = byName.get(name);
    if (!found) {
      found = { name, help: null, type: null, samples: [] };
      byName.set(name, found);
    }
    return found;
  };
  let current: FamilyText | null = null;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      current = family(meta[2]);
      if (meta[1] === "HELP") current.help = meta[3];
      else current.type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? "").matchAll(/([^=,]+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    assert.ok(current, `${sample[1]} comes after its # HELP and # TYPE`);
    const base: string = current.type === "histogram"
      ? sample[1].replace(/_(bucket|sum|count)$/, "")
      : sample[1];
    assert.equal(base, current.name, `${sample[1]} belongs to the family above it`);
    current.samples.push({ name: sample[1], labels, value: sample[3] });
  }
  return byName;
}

/** What is wrong with one family's name, type, help, units or labels; empty when nothing. */
function conventionProblems(family: FamilyText): string[] {
  const problems: string[] = [];
  const { name, type } = family;
  if (!family.help) problems.push("no # HELP");
  if (!type) problems.push("no # TYPE");
  if (!SNAKE.test(name)) problems.push("name is not snake_case");
  if (type === "counter" && !name.endsWith("_total")) problems.push("counter without _total");
  if (type !== "counter" && name.endsWith("_total")) problems.push("_total on a non-counter");
  if (/_(counter|gauge|histogram|summary)(_|$)/.test(name)) problems.push("type in the name");
  if (NOT_BASE_UNIT.test(name)) problems.push("unit is not a base unit");
  const unit = name.replace(/_total$/, "");
  if (/(duration|latency|wait|_time|uptime|age)(_|$)/.test(unit) && !unit.endsWith("_seconds")) {
    problems.push("a time without _seconds");
  }
  if (/(bytes|memory|heap|size)(_|$)/.test(unit) && !/_bytes$/.test(unit)) {
    problems.push("a size without _bytes");
  }
  if (/_lag(_|$)/.test(unit) && !/_(seconds|batches)$/.test(unit)) {
    problems.push("lag without unit");
  }
  if (type === "histogram" && !/_(seconds|bytes)$/.test(name)) problems.push("histogram unit");
  if (name.endsWith("_info")) {
    if (type !== "gauge") problems.push("_info is not a gauge");
    if (family.samples.some((s) => s.value !== "1")) problems.push("_info sample is not 1");
  }
  for (const sample of family.samples) {
    for (const label of Object.keys(sample.labels)) {
      if (!SNAKE.test(label)) problems.push(`label ${label} is not snake_case`);
      if (label === "le" && !sample.name.endsWith("_bucket")) problems.push("le outside a bucket");
    }
  }
  return problems.map((problem) => `${name}: ${problem}`);
}

function testConfig(simUrl: string, dir: string) {
  return parseConfig(
    [
      "environment: test",
      "dnb_api:",
      `  base_url: "${simUrl}"`,
      `  client_id: "${SIM_CLIENT_ID}"`,
      `  client_secret: "${SIM_CLIENT_SECRET}"`,
      "  retry_base_delay: 0.01",
      "  retry_max_delay: 0.05",
      "monitoring:",
      "  max_notifications: 20",
      `  registrations: ["${REF}"]`,
      "pipeline:",
      "  sink_retry_base_delay: 0.01",
      "  sink_retry_max_delay: 0.05",
      "  shutdown_timeout: 1",
    ].join("\n"),
    { source: null, env: () => undefined, cwd: dir, home: null },
  );
}

async function scrape(url: string): Promise<{ text: string; contentType: string | null }> {
  const response = await fetch(`${url}metrics`);
  assert.equal(response.status, 200);
  return { text: await response.text(), contentType: response.headers.get("content-type") };
}

function findPromtool(): string | null {
  const fromEnv = Deno.env.get("PROMTOOL");
  if (fromEnv) return fromEnv;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/promtool`).isFile) return `${dir}/promtool`;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The exposition of a service that has pulled 30 notifications into one sink. */
async function withScrapedService(
  work: (scrapes: { before: string; after: string; contentType: string | null }) => Promise<void>,
): Promise<void> {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 30 });
    const dir = await Deno.makeTempDir({ prefix: "traceone_metrics_" });
    const metrics = new ServiceMetrics({ version: "0.0.0-test" });
    const service = await MonitoringService.create({
      config: testConfig(h.sim.url, dir),
      kv: h.kv,
      client: h.client({}, { onAttempt: metrics.onAttempt }),
      sinks: [new MemorySink("memory")],
      simulator: true,
      version: "test",
      metrics,
    });
    let http: RunningHttpServer | null = null;
    try {
      const app = createHttpApp({
        views: {
          status: () => service.getServiceStatus(),
          readiness: () => service.readiness(),
          metrics: () => metrics.render(),
        },
        authToken: null,
      });
      http = await startHttpServer(app, { hostname: "127.0.0.1", port: 0 });
      await service.registrations();
      const before = await scrape(http.url);
      await service.tick(REF);
      await service.deliverPending();
      const after = await scrape(http.url);
      await work({ before: before.text, after: after.text, contentType: after.contentType });
    } finally {
      await http?.shutdown();
      await service.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("the served /metrics parses, and every metric follows Prometheus' naming conventions", async () => {
  await withScrapedService(async ({ before, after, contentType }) => {
    assert.equal(contentType, new ServiceMetrics({ runtime: false }).contentType);
    for (const text of [before, after]) {
      const parsed = parsePrometheusTextFormat(text) as { name: string }[];
      const byName = families(text);
      assert.deepEqual(parsed.map((f) => f.name).sort(), [...byName.keys()].sort());
      const problems = [...byName.values()].flatMap(conventionProblems);
      assert.deepEqual(problems, []);
    }
    const byName = families(after);
    for (
      const name of [
        "traceone_build_info",
        "traceone_dnb_token_refreshes_total",
        "traceone_sink_notifications_stored_total",
        "traceone_sink_batches_delivered_total",
        "process_cpu_user_seconds_total",
        "process_cpu_system_seconds_total",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "nodejs_heap_size_used_bytes",
      ]
    ) assert.ok(byName.get(name)?.samples.length, `${name} has a sample`);
    await Promise.resolve();
  });
});

Deno.test("the served /metrics: zero samples before the first tick, per-registration and per-sink series after", async () => {
  await withScrapedService(async ({ before, after }) => {
    const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
      [...families(text).values()].flatMap((f) => f.samples).find((s) =>
        s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
      )?.value;
    const registration = { registration: REF };
    const sink = { sink: "memory" };
    assert.equal(sample(before, "traceone_pulls_total", registration), "0");
    assert.equal(sample(before, "traceone_notifications_pulled_total", registration), "0");
    assert.equal(
      sample(before, "traceone_ticks_total", { ...registration, outcome: "failed" }),
      "0",
    );
    assert.equal(sample(before, "traceone_sink_notifications_stored_total", sink), "0");
    assert.equal(sample(before, "traceone_sink_batches_delivered_total", sink), "0");
    assert.equal(sample(before, "traceone_dnb_rate_limited_total"), "0");

    assert.equal(sample(after, "traceone_pulls_total", registration), "3", "two pages and the 404");
    assert.equal(sample(after, "traceone_notifications_pulled_total", registration), "30");
    assert.equal(sample(after, "traceone_notifications_journaled_total", registration), "30");
    assert.equal(
      sample(after, "traceone_ticks_total", { ...registration, outcome: "drained" }),
      "1",
    );
    assert.equal(sample(after, "traceone_sink_notifications_stored_total", sink), "30");
    assert.equal(sample(after, "traceone_sink_batches_delivered_total", sink), "2");
    assert.equal(sample(after, "traceone_sink_lag_batches", sink), "0");
    assert.equal(sample(after, "traceone_journal_notifications"), "30");
    assert.equal(
      sample(after, "traceone_dnb_requests_total", { endpoint: "pull", status: "200" }),
      "2",
    );
    assert.ok(Number(sample(after, "traceone_dnb_token_refreshes_total")) >= 1);
    assert.equal(
      sample(after, "traceone_dnb_request_duration_seconds_count", { endpoint: "pull" }),
      "3",
    );
    await Promise.resolve();
  });
});

Deno.test("the convention check itself catches each kind of mistake", () => {
  const bad = [
    "# HELP bad_requests Requests.",
    "# TYPE bad_requests counter",
    "bad_requests 1",
    "# HELP bad_queue_total Queued.",
    "# TYPE bad_queue_total gauge",
    "bad_queue_total 1",
    "# HELP bad_latency_ms Latency.",
    "# TYPE bad_latency_ms gauge",
    'bad_latency_ms{sinkName="x"} 1',
    "# TYPE bad_memory gauge",
    "bad_memory 1",
    "# HELP bad_build_info Build.",
    "# TYPE bad_build_info gauge",
    "bad_build_info 2",
    "",
  ].join("\n");
  assert.deepEqual([...families(bad).values()].flatMap(conventionProblems), [
    "bad_requests: counter without _total",
    "bad_queue_total: _total on a non-counter",
    "bad_latency_ms: unit is not a base unit",
    "bad_latency_ms: a time without _seconds",
    "bad_latency_ms: label sinkName is not snake_case",
    "bad_memory: no # HELP",
    "bad_memory: a size without _bytes",
    "bad_build_info: _info sample is not 1",
  ]);
});

const promtool = findPromtool();

Deno.test({
  name: "promtool check metrics finds nothing to lint in the served /metrics " +
    "(needs: apt-get install prometheus)",
  ignore: promtool === null,
  fn: async () => {
    await withScrapedService(async ({ after }) => {
      const child = new Deno.Command(promtool!, {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(after));
      await writer.close();
      const { code, stdout, stderr } = await child.output();
      const report = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assert.equal(code, 0, report);
    });
  },
});
