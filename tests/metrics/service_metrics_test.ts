import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { type MetricSources, ServiceMetrics } from "../../src/pipeline/metrics.ts";
import type { DeliveredEvent } from "../../src/pipeline/dispatch.ts";
import type { RecoveryResult, TickResult } from "../../src/pipeline/monitor.ts";

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string }[];
}

async function scrape(metrics: ServiceMetrics) {
  const text = await metrics.render();
  const families = parsePrometheusTextFormat(text) as Family[];
  const family = (name: string) => families.find((f) => f.name === name);
  const value = (name: string, labels: Record<string, string> = {}) =>
    family(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
      ?.value;
  return { text, families, family, value };
}

function sources(overrides: Partial<MetricSources> = {}): MetricSources {
  return {
    dnbBreaker: () => "closed",
    tokenRefreshes: () => 0,
    sinks: () =>
      Promise.resolve([
        { name: "local_storage", lagBatches: 0, lagSeconds: 0, breaker: "closed" },
        { name: "database_storage", lagBatches: 3, lagSeconds: 42.5, breaker: "open" },
      ]),
    journal: () => Promise.resolve({ batches: 3, notifications: 60 }),
    deadLetters: () => Promise.resolve({ database_storage: 2, validation: 1 }),
    registrations: () => ["REG_A", "REG_B"],
    ...overrides,
  };
}

function tick(overrides: Partial<TickResult> = {}): TickResult {
  return {
    registration: "REG_A",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    outcome: "drained",
    pulls: 2,
    received: 10,
    journaled: 9,
    duplicates: 0,
    deadLettered: 1,
    batches: [1],
    recovery: null,
    lostResponses: 0,
    recoveries: [],
    error: null,
    ...overrides,
  };
}

function recovery(overrides: Partial<RecoveryResult> = {}): RecoveryResult {
  return {
    reason: "lost_response",
    since: "2026-01-01T00:00:00Z",
    received: 5,
    journaled: 2,
    duplicates: 3,
    deadLettered: 0,
    batches: [2],
    gap: null,
    crowdedSeconds: [],
    ...overrides,
  };
}

function delivered(overrides: Partial<DeliveredEvent> = {}): DeliveredEvent {
  return {
    sink: "local_storage",
    registration: "REG_A",
    sequence: 1,
    notifications: 10,
    receipt: { written: 1 },
    durationMs: 20,
    ...overrides,
  };
}

Deno.test("before anything happened every counter of a known registration and sink prints 0", async () => {
  const metrics = new ServiceMetrics({ version: "9.9.9" });
  metrics.attach(sources());
  const { value } = await scrape(metrics);
  assert.equal(value("traceone_dnb_rate_limited_total"), "0");
  assert.equal(value("traceone_dnb_token_refreshes_total"), "0");
  for (const registration of ["REG_A", "REG_B"]) {
    for (const outcome of ["drained", "cap", "stopped", "lease_held", "failed"]) {
      assert.equal(value("traceone_ticks_total", { registration, outcome }), "0", outcome);
    }
    for (
      const name of [
        "traceone_pulls_total",
        "traceone_notifications_pulled_total",
        "traceone_notifications_journaled_total",
        "traceone_notifications_duplicates_total",
        "traceone_notifications_invalid_total",
        "traceone_pull_answers_lost_total",
        "traceone_replay_gaps_total",
      ]
    ) assert.equal(value(name, { registration }), "0", `${name} ${registration}`);
  }
  for (const sink of ["local_storage", "database_storage"]) {
    for (
      const name of [
        "traceone_sink_notifications_stored_total",
        "traceone_sink_batches_delivered_total",
        "traceone_sink_delivery_failures_total",
      ]
    ) assert.equal(value(name, { sink }), "0", `${name} ${sink}`);
  }
});

Deno.test("build info names version and runtime; token refreshes are a counter read from the provider", async () => {
  let refreshes = 2;
  const metrics = new ServiceMetrics({ version: "9.9.9" });
  metrics.attach(sources({ tokenRefreshes: () => refreshes }));
  let s = await scrape(metrics);
  const info = s.family("traceone_build_info")!;
  assert.equal(info.type, "GAUGE");
  assert.deepEqual(info.metrics[0].labels, {
    version: "9.9.9",
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  });
  assert.equal(info.metrics[0].value, "1");
  assert.equal(s.family("traceone_dnb_token_refreshes_total")!.type, "COUNTER");
  assert.equal(s.value("traceone_dnb_token_refreshes_total"), "2");
  refreshes = 5;
  s = await scrape(metrics);
  assert.equal(s.value("traceone_dnb_token_refreshes_total"), "5");
});

Deno.test("ticks count pulls, journaled, duplicates, invalid, lost answers and gaps, recoveries included", async () => {
  const metrics = new ServiceMetrics();
  metrics.onTick(tick());
  metrics.onTick(
    tick({
      outcome: "failed",
      received: 0,
      journaled: 0,
      deadLettered: 0,
      lostResponses: 1,
      recoveries: [
        recovery(),
        recovery({
          gap: { from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:01Z", message: "gone" },
        }),
      ],
    }),
  );
  const { value } = await scrape(metrics);
  const registration = "REG_A";
  assert.equal(value("traceone_ticks_total", { registration, outcome: "drained" }), "1");
  assert.equal(value("traceone_ticks_total", { registration, outcome: "failed" }), "1");
  assert.equal(value("traceone_ticks_total", { registration, outcome: "cap" }), "0");
  assert.equal(value("traceone_pulls_total", { registration }), "4");
  assert.equal(value("traceone_notifications_pulled_total", { registration }), "20");
  assert.equal(value("traceone_notifications_journaled_total", { registration }), "13");
  assert.equal(value("traceone_notifications_duplicates_total", { registration }), "6");
  assert.equal(value("traceone_notifications_invalid_total", { registration }), "1");
  assert.equal(value("traceone_pull_answers_lost_total", { registration }), "1");
  assert.equal(value("traceone_replay_gaps_total", { registration }), "1");
});

Deno.test("a sink's stored notifications and delivered batches are separate counts; a group commit is timed once", async () => {
  const metrics = new ServiceMetrics();
  metrics.attach(sources());
  metrics.onDelivered(delivered());
  // One deliverMany call of three batches: the dispatcher reports each with the call's receipt.
  const receipt = { written: 3 };
  for (const sequence of [2, 3, 4]) {
    metrics.onDelivered(
      delivered({ sink: "database_storage", sequence, notifications: 5, receipt, durationMs: 90 }),
    );
  }
  metrics.onFailed({
    sink: "database_storage",
    registration: "REG_A",
    sequence: 5,
    error: new Error("connection refused"),
    failures: 1,
    retryAt: 0,
  });
  const { value, text } = await scrape(metrics);
  assert.equal(value("traceone_sink_notifications_stored_total", { sink: "local_storage" }), "10");
  assert.equal(value("traceone_sink_batches_delivered_total", { sink: "local_storage" }), "1");
  assert.equal(
    value("traceone_sink_notifications_stored_total", { sink: "database_storage" }),
    "15",
  );
  assert.equal(value("traceone_sink_batches_delivered_total", { sink: "database_storage" }), "3");
  assert.equal(value("traceone_sink_delivery_failures_total", { sink: "database_storage" }), "1");
  // parse-prometheus-text-format drops a histogram's labels, so this reads the text.
  assert.match(
    text,
    /^traceone_sink_delivery_duration_seconds_count\{sink="database_storage"\} 1$/m,
  );
});

Deno.test("gauges read the service once per scrape: lag, dead letters, breakers, journal", async () => {
  let reads = 0;
  let present = true;
  const metrics = new ServiceMetrics();
  metrics.attach(sources({
    sinks: () => {
      reads++;
      return Promise.resolve(
        present
          ? [{ name: "database_storage", lagBatches: 3, lagSeconds: 42.5, breaker: "open" }]
          : [],
      );
    },
  }));
  const [first, second] = await Promise.all([metrics.render(), metrics.render()]);
  assert.equal(first, second, "overlapping scrapes share one reading");
  assert.equal(reads, 1);
  let s = await scrape(metrics);
  assert.equal(reads, 2);
  assert.equal(s.value("traceone_sink_lag_batches", { sink: "database_storage" }), "3");
  assert.equal(s.value("traceone_sink_lag_seconds", { sink: "database_storage" }), "42.5");
  assert.equal(s.value("traceone_dead_letters", { sink: "database_storage" }), "2");
  assert.equal(s.value("traceone_dead_letters", { sink: "validation" }), "1");
  assert.equal(s.value("traceone_breaker_state", { breaker: "dnb_api" }), "0");
  assert.equal(s.value("traceone_breaker_state", { breaker: "database_storage" }), "2");
  assert.equal(s.value("traceone_journal_batches"), "3");
  assert.equal(s.value("traceone_journal_notifications"), "60");
  present = false;
  s = await scrape(metrics);
  assert.equal(
    s.family("traceone_sink_lag_batches")!.metrics.length,
    0,
    "a removed sink's lag goes",
  );
});

Deno.test("unattached, the exposition still renders: gauges at 0 or empty, counters at 0", async () => {
  const { value, family } = await scrape(new ServiceMetrics());
  assert.equal(value("traceone_journal_notifications"), "0");
  assert.equal(value("traceone_dnb_token_refreshes_total"), "0");
  assert.equal(family("traceone_breaker_state")!.metrics.length, 0);
});
