import assert from "node:assert/strict";
import type { Config } from "../../src/config/config.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { TickResult } from "../../src/pipeline/monitor.ts";
import { ServiceMetrics } from "../../src/pipeline/metrics.ts";
import { MonitoringService } from "../../src/pipeline/service.ts";
import { healthSummary, markRegistrationsChanged } from "../../src/pipeline/mod.ts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import type { Batch, DeliveryReceipt, Sink } from "../../src/sinks/sink.ts";
import { SinkStats } from "../../src/sinks/sink.ts";
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  type SimulatorHarness,
  withSimulator,
} from "../helpers/dnb_client.ts";
import { MemorySink } from "../helpers/memory_sink.ts";
import { makeNotification } from "../helpers/notifications.ts";
import { until } from "../helpers/wait.ts";

const REF = "REG_S";
const REG = { reference: REF, duns: ["081466849", "268909075"] };

function testConfig(simUrl: string, dir: string, extra = ""): Config {
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
      extra,
    ].join("\n"),
    { source: null, env: () => undefined, cwd: dir, home: null },
  );
}

async function withService(
  h: SimulatorHarness,
  sinks: Sink[],
  work: (service: MonitoringService) => Promise<void>,
  options: {
    extra?: string;
    now?: () => number;
    maxPullsPerTick?: number;
    replayMax?: number;
    registrations?: string[];
    pollingInterval?: number;
    registrationFailure?: number;
  } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const config = testConfig(h.sim.url, dir, options.extra);
  if (options.registrations) config.monitoring.registrations = options.registrations;
  if (options.pollingInterval) config.monitoring.polling_interval = options.pollingInterval;
  if (options.registrationFailure !== undefined) {
    config.http.readiness_registration_failure = options.registrationFailure;
  }
  if (options.maxPullsPerTick) config.monitoring.max_pulls_per_tick = options.maxPullsPerTick;
  if (options.replayMax) config.dnb_api.replay_max_notifications = options.replayMax;
  const service = await MonitoringService.create({
    config,
    kv: h.kv,
    client: h.client(),
    sinks,
    simulator: true,
    version: "test",
    useDenoCron: false,
    clock: options.now
      ? { now: options.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }
      : undefined,
  });
  try {
    await work(service);
  } finally {
    await service.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A sink whose deliveries hang until the test lets them go. */
class HangingSink implements Sink {
  readonly name = "hanging";
  #release: (() => void) | null = null;
  readonly #gate = new Promise<void>((resolve) => this.#release = resolve);
  readonly stats = new SinkStats();
  delivered = 0;
  async deliver(batch: Batch): Promise<DeliveryReceipt> {
    await this.#gate;
    this.delivered += batch.notifications.length;
    return { written: batch.notifications.length };
  }
  release() {
    this.#release?.();
  }
  health() {
    return this.stats.health();
  }
  close() {
    this.release();
    return Promise.resolve();
  }
}

Deno.test("processNotifications journals valid notifications for every sink and dead-letters the rest", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const sink = new MemorySink("memory");
    await withService(h, [sink], async (service) => {
      const result = await service.processNotifications(
        [
          makeNotification(1),
          JSON.stringify(makeNotification(2)),
          "{not json",
          { type: "UPDATE" } as never,
        ],
        { registration: REF },
      );
      assert.deepEqual(result, {
        sequence: 1,
        sequences: [1],
        journaled: 2,
        duplicates: 0,
        deadLettered: 2,
      });
      await service.deliverPending();
      assert.equal(sink.stored.size, 2);
      const letters = await service.deadLetters.list();
      assert.equal(letters.length, 2);
      assert.ok(letters.some((l) => l.reason.startsWith("not JSON")));
      const single = await service.processNotification(makeNotification(1), { registration: REF });
      assert.deepEqual(single, {
        sequence: null,
        sequences: [],
        journaled: 0,
        duplicates: 1,
        deadLettered: 0,
      });
    });
  });
});

Deno.test("a notification handler is a sink: it gets batches, and its failures touch nothing else", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 30 });
    const memory = new MemorySink("memory");
    await withService(h, [memory], async (service) => {
      const seen: string[] = [];
      let fail = true;
      await service.addNotificationHandler("audit", (notifications) => {
        if (fail) throw new Error("handler bug");
        seen.push(...notifications.map((n) => n.id));
      });
      service.startDelivery();
      const [tick] = await service.tick(REF);
      await until(() => memory.stored.size === tick.journaled, "the memory sink");
      assert.equal(seen.length, 0);
      const status = await service.getServiceStatus();
      assert.equal(status.notification_handlers.count, 1);
      assert.ok((status["handler:audit"] as { errors: number }).errors > 0);
      fail = false;
      await until(() => seen.length === tick.journaled, "the handler to catch up");
      assert.equal(new Set(seen).size, seen.length);
      await service.removeNotificationHandler("audit");
      assert.equal((await service.getServiceStatus()).notification_handlers.count, 0);
    });
  });
});

Deno.test("invariant 3: a sink that hangs delays neither pulling nor the other sink", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 60 });
    const memory = new MemorySink("memory");
    const hanging = new HangingSink();
    await withService(h, [memory, hanging], async (service) => {
      service.startDelivery();
      const [tick] = await service.tick(REF);
      assert.equal(tick.outcome, "drained");
      assert.equal(
        tick.received,
        60,
        "all of it was pulled while the hanging sink held its first batch",
      );
      await until(() => memory.stored.size === 60, "the healthy sink to be current");
      assert.equal(hanging.delivered, 0);
      const status = await service.getServiceStatus();
      assert.equal((status.hanging as { lag_batches: number }).lag_batches, 3);
      hanging.release();
      await until(() => hanging.delivered === 60, "the hanging sink to catch up");
    });
  });
});

Deno.test("invariant 6: nothing is purged before every sink has it and retention has passed", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 40 });
    const up = new MemorySink("up");
    const down = new MemorySink("down");
    down.failWith = () => new Error("unreachable");
    let skew = 0;
    await withService(h, [up, down], async (service) => {
      await service.tick(REF);
      await service.deliverPending();
      assert.equal(await service.purgeJournal(), 0, "too recent");
      skew = 15 * 86_400_000;
      assert.equal(await service.purgeJournal(), 0, "old enough, but one sink does not have it");
      assert.equal((await service.status()).journal.notifications, 40);
      down.failWith = null;
      await service.deliverPending();
      assert.equal(await service.purgeJournal(), 2);
      assert.equal((await service.status()).journal.batches, 0);
      assert.equal(down.stored.size, 40);
    }, { now: () => Date.now() + skew });
  });
});

Deno.test("monitorContinuously yields each tick, already journaled and handed to the sinks", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 25 });
    const memory = new MemorySink("memory");
    await withService(h, [memory], async (service) => {
      const controller = new AbortController();
      const ticks: TickResult[] = [];
      for await (
        const tick of service.monitorContinuously(REF, {
          pollingInterval: 0.05,
          signal: controller.signal,
        })
      ) {
        ticks.push(tick);
        if (ticks.length === 1) {
          assert.equal(tick.journaled, 25);
          await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 5 });
        }
        if (ticks.length === 2) controller.abort();
      }
      assert.equal(ticks[1].journaled, 5);
      await until(() => memory.stored.size === 30, "the sink");
    });
  });
});

Deno.test("background monitoring ticks on its schedule; status reports measured values and no secret", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 12 });
    const memory = new MemorySink("memory");
    await withService(h, [memory], async (service) => {
      service.startBackgroundMonitoring(REF, { pollingInterval: 1 });
      await until(() => memory.stored.size === 12, "the first tick, at start");
      const status = await service.getServiceStatus();
      assert.equal(status.service.running, true);
      assert.equal(status.registrations.active_count, 1);
      assert.equal(status.authentication.is_authenticated, true);
      assert.ok(status.api_client.requests >= 2, "a token and at least one pull");
      assert.equal(status.journal.notifications, 12);
      assert.equal((status.memory as { stored: number }).stored, 12);
      assert.doesNotMatch(JSON.stringify(status), new RegExp(SIM_CLIENT_SECRET));
      service.stopBackgroundMonitoring(REF);
      assert.equal((await service.getServiceStatus()).registrations.active_count, 0);
    });
  });
});

Deno.test("readiness turns false while a sink has been failing too long, and true when it recovers", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 5 });
    const sink = new MemorySink("flaky");
    sink.failWith = () => new Error("disk full");
    await withService(h, [sink], async (service) => {
      assert.deepEqual(await service.readiness({ sinkFailure: 0 }), { ready: true, reasons: [] });
      await service.tick(REF);
      await service.deliverPending();
      const failing = await service.readiness({ sinkFailure: 0 });
      assert.equal(failing.ready, false);
      assert.match(
        failing.reasons[0],
        /^flaky has been failing for \d+ s \(since [^)]*\)$/,
      );
      assert.equal(
        (await service.readiness({ sinkFailure: 3600 })).ready,
        true,
        "not for long yet",
      );
      sink.failWith = null;
      await service.deliverPending();
      assert.deepEqual(await service.readiness({ sinkFailure: 0 }), { ready: true, reasons: [] });
    });
  });
});

Deno.test("metrics count D&B requests, ticks and deliveries, and read lag and breakers when scraped", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 30 });
    const sink = new MemorySink("memory");
    const dir = await Deno.makeTempDir();
    const metrics = new ServiceMetrics();
    const service = await MonitoringService.create({
      config: testConfig(h.sim.url, dir),
      kv: h.kv,
      client: h.client({}, { onAttempt: metrics.onAttempt }),
      sinks: [sink],
      simulator: true,
      version: "test",
      metrics,
    });
    try {
      await service.tick(REF);
      await service.deliverPending();
      const families = parsePrometheusTextFormat(await metrics.render()) as {
        name: string;
        metrics: { labels?: Record<string, string>; value?: string }[];
      }[];
      const value = (name: string, labels: Record<string, string> = {}) =>
        families.find((f) => f.name === name)?.metrics.find((m) =>
          Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
        )?.value;
      assert.equal(value("traceone_notifications_pulled_total", { registration: REF }), "30");
      assert.equal(value("traceone_sink_notifications_stored_total", { sink: "memory" }), "30");
      assert.equal(value("traceone_dnb_requests_total", { endpoint: "pull", status: "200" }), "2");
      assert.equal(value("traceone_dnb_requests_total", { endpoint: "pull", status: "404" }), "1");
      assert.equal(value("traceone_ticks_total", { registration: REF, outcome: "drained" }), "1");
      assert.equal(value("traceone_sink_lag_batches", { sink: "memory" }), "0");
      assert.equal(value("traceone_breaker_state", { breaker: "dnb_api" }), "0");
      assert.equal(value("traceone_journal_notifications"), "30");
      assert.ok(Number(value("process_resident_memory_bytes")) > 0);
    } finally {
      await service.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("a registration is drained, not capped: past max_pulls_per_tick the next tick follows at once", async () => {
  await withSimulator({ registrations: [REG], maxNotificationsLimit: 1000 }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 200 });
    const sink = new MemorySink("memory");
    // Twenty pages a second are allowed when D&B replays up to 1,000 at a time.
    await withService(h, [sink], async (service) => {
      const [result] = await service.tick(REF);
      assert.equal(result.outcome, "drained");
      assert.equal(result.received, 200);
      assert.equal(result.pulls, 11, "ten pages of 20 and the 404, over four ticks of at most 3");
      assert.equal(
        (await h.admin<{ queued: number }>("GET", `/_sim/registrations/${REF}`)).queued,
        0,
      );
    }, { maxPullsPerTick: 3, replayMax: 1000 });
  });
});

Deno.test("a registration created while the service runs is monitored within one refresh, and one deleted stops", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await withService(h, [new MemorySink("memory")], async (service) => {
      await service.start();
      const active = async () =>
        (await service.status()).registrations.filter((r) => r.active).map((r) => r.reference);
      assert.deepEqual(await active(), [REF]);
      // Another process (`registrations create`) adds one at D&B and says so on the same state.
      await h.admin("POST", "/_sim/registrations", { reference: "NEW_REG", duns: ["268909075"] });
      await h.admin("POST", "/_sim/registrations/NEW_REG/notifications", { generate: 4 });
      await markRegistrationsChanged(h.kv);
      await until(async () => (await active()).includes("NEW_REG"), "NEW_REG monitored", {
        limitMs: 10_000,
      });
      const status = await service.getServiceStatus();
      assert.equal(status.registrations.source, "account");
      assert.ok(status.registrations.last_listed_at !== null);
      await until(
        async () =>
          (await service.status()).registrations.some((r) =>
            r.reference === "NEW_REG" && r.lastPullCount === 4
          ),
        "NEW_REG pulled",
        { limitMs: 10_000 },
      );
      await h.client().registrations.delete("NEW_REG");
      await markRegistrationsChanged(h.kv);
      await until(
        async () => !(await active()).includes("NEW_REG"),
        "NEW_REG no longer monitored",
        {
          limitMs: 10_000,
        },
      );
    }, { registrations: [], pollingInterval: 3600 });
  });
});

Deno.test("a registration failing every tick makes readiness fail naming it, and the health card not healthy", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await withService(h, [new MemorySink("memory")], async (service) => {
      await service.start();
      await until(
        async () => (await service.status()).registrations.some((r) => r.failedTicks > 0),
        "a failed tick",
        { limitMs: 10_000 },
      );
      const early = healthSummary(await service.status(), {
        thresholds: service.thresholds,
        nowMs: Date.now(),
      });
      assert.notEqual(early.state, "healthy");
      assert.deepEqual(early.registrations, { total: 2, failing: 1 });
      await until(async () => !(await service.readiness()).ready, "readiness to fail", {
        limitMs: 10_000,
      });
      const readiness = await service.readiness();
      assert.equal(readiness.reasons.length, 1, readiness.reasons.join("\n"));
      assert.match(
        readiness.reasons[0],
        /^registration "NOPE_REG" has failed every tick for \d+ s \(\d+ tick\(s\) since [^)]*\)$/,
      );
      const json = await service.getServiceStatus();
      const nope = json.registrations.items.find((r) => r.reference === "NOPE_REG")!;
      assert.ok(nope.failing_since !== null && nope.failed_ticks >= 1);
    }, { registrations: [REF, "NOPE_REG"], pollingInterval: 1, registrationFailure: 1 });
  });
});

Deno.test("a sink first seen in a running deployment: a copy gets the retained batches, one that starts at head (alerts) only new ones", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await withService(h, [new MemorySink("memory")], async (service) => {
      await service.processNotifications([makeNotification(1), makeNotification(2)], {
        registration: REF,
      });
      await service.deliverPending();
    });
    const copy = new MemorySink("copy");
    const news = Object.assign(new MemorySink("news"), { startAt: "head" as const });
    await withService(h, [new MemorySink("memory"), copy, news], async (service) => {
      await service.processNotifications([makeNotification(3)], { registration: REF });
      await service.deliverPending();
    });
    assert.equal(copy.stored.size, 3);
    assert.deepEqual(news.deliveries.map((d) => d.ids.length), [1]);
    assert.equal(news.stored.size, 1);
  });
});
