import assert from "node:assert/strict";
import { notificationId } from "../../src/dnb/notification_id.ts";
import { DeadLetters } from "../../src/pipeline/dead_letters.ts";
import { Journal } from "../../src/pipeline/journal.ts";
import { Leases } from "../../src/pipeline/lease.ts";
import { Monitor } from "../../src/pipeline/monitor.ts";
import { sleep } from "../../src/resilience/sleep.ts";
import type { RunningSimulator } from "../../src/sim/server.ts";
import { type SimulatorHarness, withSimulator } from "../helpers/dnb_client.ts";

const REF = "REG_M";
const REG = { reference: REF, duns: ["081466849", "268909075", "000000017"] };

function monitorFor(
  h: SimulatorHarness,
  options: {
    owner?: string;
    now?: () => number;
    fetch?: typeof fetch;
    plan?: { pageSize: number; pagesPerSecond: number };
    timeout?: number;
    retryAfterMax?: number;
    maxResponseBytes?: number;
    batchSize?: number;
  } = {},
) {
  const journal = new Journal(h.kv);
  const client = h.client({
    ...(options.timeout ? { timeout: options.timeout } : {}),
    ...(options.retryAfterMax ? { retry_after_max: options.retryAfterMax } : {}),
    ...(options.maxResponseBytes ? { max_response_bytes: options.maxResponseBytes } : {}),
  }, { fetch: options.fetch });
  const clock = { now: options.now ?? Date.now, sleep };
  const monitor = new Monitor({
    kv: h.kv,
    client,
    journal,
    leases: new Leases(h.kv, { owner: options.owner ?? "test", ttlMs: 60_000, now: clock.now }),
    plan: options.plan ?? { pageSize: 25, pagesPerSecond: 3 },
    maxPullsPerTick: 100,
    leaseTtlMs: 60_000,
    answerTimeoutMs: (options.timeout ?? 5) * 1000,
    clock,
    batchSize: options.batchSize,
  });
  return { monitor, journal, client };
}

/** Ids of every notification the simulator has handed over by pull (its replay log). */
function servedIds(sim: RunningSimulator, reference: string): string[] {
  const registration = sim.state.registrations.get(reference)!;
  return registration.replayLog.map((item) => notificationId(reference, JSON.parse(item.text)));
}

async function journaledIds(journal: Journal, reference: string): Promise<string[]> {
  const ids: string[] = [];
  const head = await journal.head(reference);
  for (let seq = 1; seq <= (head?.lastSequence ?? 0); seq++) {
    const batch = await journal.read(reference, seq);
    ids.push(...batch!.notifications.map((n) => n.id));
  }
  return ids;
}

Deno.test("tick drains to 404, journaling every batch", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 110 });
    const { monitor, journal } = monitorFor(h);
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "drained");
    assert.equal(result.pulls, 6, "5 pages of up to 25, then the 404");
    assert.equal(result.received, 110);
    assert.deepEqual(result.batches, [1, 2, 3, 4, 5]);
    const ids = await journaledIds(journal, REF);
    assert.equal(ids.length + result.deadLettered, 110);
    assert.deepEqual(new Set(ids), new Set(servedIds(h.sim, REF).filter((id) => ids.includes(id))));
    assert.equal(await h.kv.get(["monitor", "inflight", REF, "test"]).then((e) => e.value), null);
  });
});

Deno.test("invariant 1: every batch is durable in the journal before the next pull is sent", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 80 });
    const journal = new Journal(h.kv);
    let pullsAnswered = 0;
    const checks: string[] = [];
    const watching: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const isPull = url.pathname.endsWith(`/${REF}/notifications`);
      if (isPull) {
        const head = await journal.head(REF);
        checks.push(`pull ${pullsAnswered + 1}: journal at ${head?.lastSequence ?? 0}`);
        assert.equal(head?.lastSequence ?? 0, pullsAnswered, "the previous batch is journaled");
      }
      const response = await fetch(input, init);
      if (isPull && response.status === 200) pullsAnswered++;
      return response;
    };
    const { monitor } = monitorFor(h, { fetch: watching });
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "drained", result.error ?? "");
    assert.equal(checks.length, 5, checks.join("\n"));
  });
});

Deno.test("invariant 4: a pull lost in a crash is recovered through replay, de-duplicated by id", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 60 });
    const { monitor, journal, client } = monitorFor(h);
    // The first process: journals one batch, then marks a pull in flight, pulls, and dies.
    const first = await client.notifications.pull(REF, { maxNotifications: 25 });
    await journal.append(REF, {
      notifications: first!.notifications,
      pulledAt: new Date(),
      source: "pull",
    });
    await h.kv.set(["monitor", "inflight", REF, "dead"], {
      since: new Date().toISOString(),
      owner: "dead",
    });
    const lost = await client.notifications.pull(REF, { maxNotifications: 25 });
    assert.equal(
      lost!.notifications.length + lost!.invalid.length,
      25,
      "handed over and gone from the queue",
    );

    const result = await monitor.tick(REF);
    assert.ok(result.recovery, "the marker triggered a recovery");
    assert.equal(result.recovery.reason, "crash");
    for (const n of lost!.notifications) {
      assert.ok((await journal.known(REF, [n])).has(n.id), "the lost notification is journaled");
    }
    const ids = await journaledIds(journal, REF);
    assert.equal(ids.length, new Set(ids).size, "nothing journaled twice");
    const served = servedIds(h.sim, REF);
    const letters = await new DeadLetters(h.kv).list();
    assert.equal(
      ids.length + letters.length,
      new Set(served).size,
      "every served notification is journaled or dead-lettered",
    );
  });
});

Deno.test("invariant 4: a pull answered 500 after dequeue is recovered by replay in the same tick", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 60 });
    await h.admin("PUT", "/_sim/faults", { loseNext: { count: 2, kind: "error" } });
    const { monitor, journal } = monitorFor(h);
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "drained", result.error ?? "");
    assert.equal(result.lostResponses, 2);
    assert.equal(result.recoveries.length, 2);
    // Counts add up, for the pulls and for each recovery.
    assert.equal(result.received, result.journaled + result.duplicates + result.deadLettered);
    for (const recovery of result.recoveries) {
      assert.equal(
        recovery.received,
        recovery.journaled + recovery.duplicates + recovery.deadLettered,
      );
      assert.equal(recovery.gap, null);
    }
    const ids = await journaledIds(journal, REF);
    const letters = await new DeadLetters(h.kv).list();
    assert.equal(ids.length, new Set(ids).size, "nothing journaled twice");
    assert.equal(ids.length + letters.length, 60, "every notification journaled or dead-lettered");
    assert.equal(await h.kv.get(["monitor", "inflight", REF, "test"]).then((e) => e.value), null);
  });
});

Deno.test("a pull refused before any work (400) fails the tick and leaves no marker", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 10 });
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 400, errorCode: "00003", count: 1, pathIncludes: "/notifications" }],
    });
    const { monitor } = monitorFor(h);
    const failed = await monitor.tick(REF);
    assert.equal(failed.outcome, "failed");
    assert.equal(await h.kv.get(["monitor", "inflight", REF, "test"]).then((e) => e.value), null);
    const next = await monitor.tick(REF);
    assert.equal(next.recovery, null, "nothing to recover");
    assert.equal(next.outcome, "drained");
    assert.equal(next.received, 10);
  });
});

Deno.test("a lease held by another instance: the tick pulls nothing", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 5 });
    const other = new Leases(h.kv, { owner: "other-instance", ttlMs: 60_000 });
    const held = await other.acquire(REF);
    assert.ok(held);
    const { monitor } = monitorFor(h);
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "lease_held");
    assert.equal((await h.counters()).pulled, 0);
    await other.release(held);
    assert.equal((await monitor.tick(REF)).received, 5);
  });
});

Deno.test("two instances sharing one KV never pull the same registration at once", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 200 });
    await h.admin("PUT", "/_sim/faults", { latencyMs: 5 });
    const a = monitorFor(h, { owner: "a" });
    const b = monitorFor(h, { owner: "b" });
    const [ra, rb] = await Promise.all([a.monitor.tick(REF), b.monitor.tick(REF)]);
    assert.deepEqual([ra.outcome, rb.outcome].sort(), ["drained", "lease_held"]);
    assert.equal(ra.received + rb.received, 200);
  });
});

Deno.test("invariant 5: a malformed notification goes to dead letters with its raw JSON; its batch is journaled", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, {
      generate: 3,
      types: ["UPDATE"],
    });
    const broken =
      '{"type":"UPDATE","organization":{"duns":"12"},"elements":[],"deliveryTimeStamp":"2026-11-27T09:00:00.000Z"}';
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { raw: [broken] });
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, {
      generate: 3,
      types: ["DELETE"],
    });
    const { monitor, journal } = monitorFor(h);
    const result = await monitor.tick(REF);
    assert.equal(result.deadLettered, 1);
    assert.equal((await journaledIds(journal, REF)).length, 6);
    const [letter] = await new DeadLetters(h.kv).list();
    assert.equal(letter.sink, "validation");
    assert.equal(letter.registration, REF);
    assert.match(letter.reason, /organization\.duns: expected a 9-digit string/);
    assert.equal((await new DeadLetters(h.kv).read(letter))?.raw, broken);
  });
});

Deno.test("a gap older than D&B's 14-day replay window is reported, not ignored", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 2 });
    const { monitor } = monitorFor(h);
    await monitor.tick(REF);
    await h.kv.set(["monitor", "inflight", REF], {
      since: new Date().toISOString(),
      owner: "dead",
    });
    const later = monitorFor(h, { now: () => Date.now() + 20 * 86_400_000 });
    const result = await later.monitor.tick(REF);
    assert.ok(result.recovery?.gap);
    assert.match(result.recovery.gap.message, /outside D&B's 14-day replay window/);
    assert.deepEqual(await later.monitor.gap(REF), result.recovery.gap);
    // The marker was of the older, one-per-registration kind; it is cleared all the same.
    assert.equal((await h.kv.get(["monitor", "inflight", REF])).value, null);
  });
});

/** Queues `count` UPDATEs stamped inside one second a minute ago; returns that second (ms). */
async function queueInOneSecond(
  h: SimulatorHarness,
  count: number,
  element: (i: number) => Record<string, unknown>,
): Promise<number> {
  const secondMs = Math.floor((Date.now() - 60_000) / 1000) * 1000;
  const notifications = Array.from({ length: count }, (_, i) => ({
    type: "UPDATE",
    organization: { duns: "081466849" },
    elements: [element(i)],
    deliveryTimeStamp: new Date(secondMs + 1 + i * 3).toISOString(),
  }));
  await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { notifications });
  return secondMs;
}

Deno.test("a second holding more than one replay response is reported once, with how many are beyond reach", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    // Data from before pacing, or another client: 250 stamped inside one second.
    const secondMs = await queueInOneSecond(h, 250, (i) => ({
      element: "organization.numberOfEmployees",
      previous: i,
      current: i + 1,
    }));
    const { monitor } = monitorFor(h);
    const pulled = await monitor.tick(REF);
    assert.equal(pulled.journaled, 250);
    const since = new Date(secondMs - 5_000);
    const first = await monitor.replay(REF, { since });
    const second = new Date(secondMs).toISOString().replace(".000Z", "Z");
    assert.deepEqual(first.crowdedSeconds, [{ second, reached: 100, unreachable: 150 }]);
    assert.match(first.gap?.message ?? "", new RegExp(`in the second ${second} than one replay`));
    assert.equal(first.gap?.unreachable, 150);
    assert.equal(first.received, first.journaled + first.duplicates + first.deadLettered);
    assert.deepEqual(await monitor.gap(REF), first.gap);
    const again = await monitor.replay(REF, { since });
    assert.deepEqual(again.crowdedSeconds, first.crowdedSeconds, "the same second, again");
    const reported = [];
    for await (const entry of h.kv.list({ prefix: ["monitor", "gap_reported", REF] })) {
      reported.push(entry.key.at(-1));
    }
    assert.deepEqual(reported, [secondMs / 1000], "recorded (and logged) once");
  });
});

Deno.test("a second cut short by dnb_api.max_response_bytes says which limit reaches more of it", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const secondMs = await queueInOneSecond(h, 80, (i) => ({
      element: "organization.primaryName",
      previous: `Company ${i}`,
      current: `Company ${i} ${"Holdings ".repeat(8)}`,
    }));
    assert.equal((await monitorFor(h).monitor.tick(REF)).journaled, 80);
    // About 270 bytes each: 80 of them are over four times 4,000 bytes, 50 are not.
    const { monitor } = monitorFor(h, { maxResponseBytes: 4_000 });
    const replayed = await monitor.replay(REF, { since: new Date(secondMs - 5_000) });
    const second = new Date(secondMs).toISOString().replace(".000Z", "Z");
    assert.deepEqual(replayed.crowdedSeconds, [{ second, reached: 50, unreachable: 30 }]);
    assert.match(
      replayed.gap?.message ?? "",
      /response within dnb_api\.max_response_bytes holds \(50\).*raise dnb_api\.max_response_bytes/,
    );
  });
});

for (const skewMs of [-3_000, 2_500]) {
  Deno.test(`D&B's clock ${skewMs} ms off ours: one page per D&B second, lost answers recovered`, async () => {
    await withSimulator({ registrations: [REG] }, async (h) => {
      await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 100 });
      await h.admin("PUT", "/_sim/faults", {
        clockSkewMs: skewMs,
        lostAfterDequeue: { rate: 0.3, kinds: ["reset", "error", "truncate", "hang"] },
      });
      const { monitor, journal } = monitorFor(h, {
        plan: { pageSize: 20, pagesPerSecond: 1 },
        timeout: 0.5,
      });
      const result = await monitor.tick(REF);
      assert.equal(result.outcome, "drained", result.error ?? "");
      assert.ok(result.lostResponses >= 1);
      const ids = await journaledIds(journal, REF);
      const letters = await new DeadLetters(h.kv).list();
      assert.equal(ids.length + letters.length, 100, "every notification journaled");
      assert.equal(await monitor.gap(REF), null);
      // D&B's own stamps: no second holds two pages.
      const perSecond = new Map<number, number>();
      for (const item of h.sim.state.registrations.get(REF)!.replayLog) {
        const second = Math.floor(item.deliveryMs! / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
      assert.ok(Math.max(...perSecond.values()) <= 20, JSON.stringify([...perSecond]));
    });
  });
}

Deno.test("a 429 on a pull waits and pulls again: nothing dequeued, nothing to recover", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 40 });
    await h.admin("PUT", "/_sim/faults", {
      retryAfterSeconds: 1,
      failNext: [{ status: 429, errorCode: "00045", count: 2, pathIncludes: "/notifications" }],
    });
    const { monitor, journal } = monitorFor(h);
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "drained", result.error ?? "");
    assert.equal(result.lostResponses, 0);
    assert.equal(result.recoveries.length, 0);
    assert.equal((await journaledIds(journal, REF)).length, 40 - result.deadLettered);
  });
});

Deno.test("a marker another instance left (it lost its lease mid-pull) is recovered, not wiped", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 30 });
    const { monitor, journal, client } = monitorFor(h);
    // The other instance pulled a page and could not journal it.
    const sinceMs = Math.floor(Date.now() / 1000) * 1000 - 2000;
    await h.kv.set(["monitor", "inflight", REF, "other"], { sinceMs, owner: "other" });
    const lost = await client.notifications.pull(REF, { maxNotifications: 10 });
    const result = await monitor.tick(REF);
    assert.equal(result.recovery?.reason, "crash");
    const known = await journal.known(REF, lost!.notifications);
    assert.equal(known.size, lost!.notifications.length, "the other instance's page is journaled");
    const markers = [];
    for await (const entry of h.kv.list({ prefix: ["monitor", "inflight"] })) markers.push(entry);
    assert.deepEqual(markers, []);
  });
});

Deno.test("Retry-After: 999999 on a pull is cut to dnb_api.retry_after_max, and shown while waited", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 10 });
    await h.admin("PUT", "/_sim/faults", {
      retryAfterSeconds: 999_999,
      failNext: [{ status: 429, errorCode: "00045", count: 1, pathIncludes: "/notifications" }],
    });
    const { monitor } = monitorFor(h, { retryAfterMax: 1 });
    const ticking = monitor.tick(REF);
    let shown: string | null = null;
    for (let i = 0; i < 200 && shown === null; i++) {
      shown = monitor.rateLimitedUntil(REF);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(shown !== null, "the wait is visible");
    const waitMs = Date.parse(shown) - Date.now();
    assert.ok(waitMs <= 1_000, `cut to 1 s, not 11.6 days: ${waitMs} ms`);
    const result = await ticking;
    assert.equal(result.outcome, "drained", result.error ?? "");
    assert.equal(result.received, 10);
    assert.equal(monitor.rateLimitedUntil(REF), null);
  });
});

Deno.test("a marker rewritten while a recovery replays survives it, for the next tick", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 10 });
    const key = ["monitor", "inflight", REF, "other"];
    const sinceMs = Math.floor(Date.now() / 1000) * 1000 - 2000;
    await h.kv.set(key, { sinceMs, owner: "other" });
    let rewritten = false;
    // The other instance's journal refuses its late page while our replay runs: it keeps
    // (rewrites) its marker.
    const watching: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.endsWith("/replay") && !rewritten) {
        rewritten = true;
        await h.kv.set(key, { sinceMs: sinceMs - 1000, owner: "other" });
      }
      return await fetch(input, init);
    };
    const { monitor } = monitorFor(h, { fetch: watching });
    const first = await monitor.tick(REF);
    assert.equal(first.recovery?.reason, "crash");
    assert.ok(rewritten);
    assert.deepEqual((await h.kv.get(key)).value, { sinceMs: sinceMs - 1000, owner: "other" });
    const second = await monitor.tick(REF);
    assert.equal(second.recovery?.reason, "crash", "the next tick recovers it");
    assert.equal((await h.kv.get(key)).value, null);
  });
});

Deno.test("a page with more notifications than asked is kept whole, in batches of notification_batch_size", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 420 });
    await h.admin("PUT", "/_sim/faults", { overfillNext: { notifications: 400 } });
    const { monitor, journal } = monitorFor(h, { batchSize: 50 });
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "drained", result.error ?? "");
    // Replaying it instead would lose: D&B replays 100 per second, and the 400 share one or two.
    assert.equal(result.lostResponses, 0);
    const letters = await new DeadLetters(h.kv).list();
    assert.equal(result.journaled + letters.length, 420);
    const sizes = [];
    for (const sequence of result.batches) {
      sizes.push((await journal.read(REF, sequence))!.notifications.length);
    }
    assert.ok(sizes.every((size) => size <= 50), JSON.stringify(sizes));
    assert.ok(sizes.length >= 9, "400 in one answer became at least 8 batches, then the rest");
    const ids = await journaledIds(journal, REF);
    assert.equal(ids.length, new Set(ids).size, "nothing journaled twice");
    assert.deepEqual(
      new Set([...ids, ...letters.map((l) => l.notificationId)]),
      new Set(servedIds(h.sim, REF)),
    );
  });
});

Deno.test("a pull answer over dnb_api.max_response_bytes is recovered whole, and later pages are smaller", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    await h.admin("POST", `/_sim/registrations/${REF}/notifications`, { generate: 60 });
    // Pages of 25 notifications of about 500 bytes: over 8 kB. A replay may read four times
    // that, so the page comes back whole (its 25 share a second: fewer per response could not
    // reach them all); then the pulls ask for 12, which fit.
    const { monitor, journal } = monitorFor(h, { maxResponseBytes: 8_000 });
    const result = await monitor.tick(REF);
    assert.equal(result.outcome, "drained", result.error ?? "");
    // Each too large answer halves the page (25 → 12 → 6): a few at most, each recovered whole.
    assert.ok(result.lostResponses >= 1 && result.lostResponses <= 3, `${result.lostResponses}`);
    for (const recovery of result.recoveries) {
      assert.equal(recovery.gap, null, JSON.stringify(recovery));
    }
    const ids = await journaledIds(journal, REF);
    const letters = await new DeadLetters(h.kv).list();
    assert.equal(ids.length, new Set(ids).size, "nothing journaled twice");
    assert.equal(ids.length + letters.length, 60, "every notification journaled or dead-lettered");
    assert.equal(await monitor.gap(REF), null);
    const pulls = h.sim.state.counters;
    assert.equal(pulls.pulled, 60);
  });
});
