/**
 * The simulator as D&B is recorded to behave around delivery (dnb-direct-plus.md §3.2, §7.7):
 * stamps at delivery, responses lost after dequeue, a skewed clock, tokens invalidated early.
 */
import assert from "node:assert/strict";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { type RunningSimulator, startSimulator } from "../../src/sim/server.ts";
import { api, type Json } from "../helpers/sim_api.ts";

const REF = "/v1/monitoring/registrations/LOSSY";
// Copies of shared/fixtures/dnb (real Direct+ bodies, January 2021), so a clone needs nothing beside it.
const FIXTURES = new URL("../fixtures/dnb/", import.meta.url);

function start(): Promise<RunningSimulator> {
  return startSimulator({
    rateLimit: 0,
    seed: 7,
    registrations: [{ reference: "LOSSY", duns: ["081466849"] }],
  });
}

Deno.test("deliveryTimeStamp is the moment of the pull, and replay returns those bytes and stamp", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("LOSSY", { generate: 3 });
    const queuedAt = sim.state.now();
    // An hour in the queue: the stamp must say when the pull handed it over, not when it queued.
    await admin.advanceClock(3600);
    const pulled = await api(sim, `${REF}/notifications?maxNotifications=10`);
    const pullTime = Date.parse(pulled.body.transactionDetail.transactionTimestamp);
    const stamps = pulled.body.notifications.map((n: Json) => Date.parse(n.deliveryTimeStamp));
    assert.equal(stamps.length, 3);
    for (const stamp of stamps) {
      assert.ok(stamp >= pullTime && stamp - pullTime < 1000, "stamped at delivery");
      assert.ok(stamp - queuedAt >= 3600_000);
    }
    const start = new Date(Math.floor(pullTime / 1000) * 1000 - 1000).toISOString()
      .replace(".000Z", "Z");
    const replayed = await api(
      sim,
      `${REF}/notifications/replay?replayStartTimestamp=${start}&maxNotifications=10`,
    );
    const slice = (text: string) => text.slice(text.indexOf('"notifications":'));
    assert.equal(slice(replayed.text), slice(pulled.text), "byte-identical notifications");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("the recorded VCR pull shows the same rule: stamp 351 ms after the transaction", async () => {
  const pull = JSON.parse(
    await Deno.readTextFile(new URL("vcr_pull_notifications_MDOJO_CMPTCS_01.json", FIXTURES)),
  );
  const replay = JSON.parse(
    await Deno.readTextFile(new URL("vcr_replay_notifications_MDOJO_CMPTCS_01.json", FIXTURES)),
  );
  const stamp = Date.parse(pull.notifications[0].deliveryTimeStamp);
  assert.equal(stamp - Date.parse(pull.transactionDetail.transactionTimestamp), 351);
  assert.equal(replay.notifications[0].deliveryTimeStamp, pull.notifications[0].deliveryTimeStamp);
});

for (const kind of ["reset", "hang", "error", "truncate"] as const) {
  Deno.test(`a pull response lost after dequeue (${kind}) leaves the page in the replay log only`, async () => {
    const sim = await start();
    const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
    try {
      await admin.enqueue("LOSSY", { generate: 5 });
      await admin.setFaults({ loseNext: { count: 1, kind, registration: "LOSSY" } });
      const token = sim.state.tokens.issue(sim.state.now(), 3600);
      const sentAt = sim.state.now();
      let outcome: string;
      try {
        const response = await fetch(`${sim.url}${REF}/notifications?maxNotifications=10`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(500),
        });
        const text = await response.text();
        outcome = `${response.status} ${text.length}`;
        JSON.parse(text);
      } catch (error) {
        outcome = (error as Error).name;
      }
      if (kind === "error") assert.match(outcome, /^50[03] /);
      else assert.ok(!/^200 /.test(outcome), `no whole response for ${kind}: ${outcome}`);
      const view = await admin.registration("LOSSY");
      assert.equal(view.queued, 0, "dequeued although the client got nothing");
      assert.equal(view.replayLog, 5);
      const counters = await admin.counters();
      assert.equal(counters.lostAfterDequeue[kind], 1);
      assert.equal(counters.lostNotifications, 5);
      const since = new Date(Math.floor(sentAt / 1000) * 1000 - 1000).toISOString()
        .replace(".000Z", "Z");
      const replayed = await api(
        sim,
        `${REF}/notifications/replay?replayStartTimestamp=${since}&maxNotifications=10`,
      );
      assert.equal(replayed.body.notifications.length, 5, "replay from the send second finds it");
    } finally {
      await sim.shutdown();
    }
  });
}

Deno.test("lostAfterDequeue loses its rate of non-empty pulls, the kinds in turn", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.enqueue("LOSSY", { generate: 200 });
    await admin.setFaults({ lostAfterDequeue: { rate: 0.25, kinds: ["error", "truncate"] } });
    const outcomes: string[] = [];
    for (let i = 0; i < 16; i++) {
      try {
        const reply = await api(sim, `${REF}/notifications`);
        outcomes.push(reply.status >= 500 ? "error" : reply.body === null ? "truncate" : "ok");
      } catch {
        outcomes.push("truncate");
      }
    }
    assert.deepEqual(
      outcomes.map((o, i) => `${i}:${o}`).filter((o) => !o.endsWith(":ok")),
      ["3:error", "7:truncate", "11:error", "15:truncate"],
    );
    assert.deepEqual((await admin.counters()).lostAfterDequeue, {
      reset: 0,
      hang: 0,
      error: 2,
      truncate: 2,
    });
    const bad = await fetch(`${sim.url}/_sim/faults`, {
      method: "PUT",
      headers: { authorization: `Bearer ${sim.adminToken}` },
      body: JSON.stringify({ lostAfterDequeue: { rate: 0.1, kinds: ["explode"] } }),
    });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /reset, hang, error, truncate/);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("clockSkewMs moves the simulator's clock: transaction time, stamps and Date", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.setFaults({ clockSkewMs: -7_000 });
    await admin.enqueue("LOSSY", { generate: 1 });
    const before = Date.now();
    const reply = await api(sim, `${REF}/notifications`);
    const stamp = Date.parse(reply.body.notifications[0].deliveryTimeStamp);
    assert.ok(
      before - stamp > 6_000 && before - stamp < 8_000,
      `stamp ${before - stamp} ms behind`,
    );
    const date = Date.parse(reply.headers.get("date")!);
    assert.ok(before - date > 5_000, "the Date header follows the simulator's clock");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("a token invalidated early answers 401 00004, an expired one 00040", async () => {
  const sim = await start();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const early = sim.state.tokens.issue(sim.state.now(), 3600);
    await admin.revokeTokens();
    const call = (token: string) =>
      fetch(`${sim.url}${REF}/notifications`, { headers: { authorization: `Bearer ${token}` } })
        .then(async (r) => ({ status: r.status, body: await r.json() }));
    const revoked = await call(early);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.errorCode, "00004");
    const later = sim.state.tokens.issue(sim.state.now(), 3600);
    await admin.expireTokens();
    const expired = await call(later);
    assert.equal(expired.body.error.errorCode, "00040");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("empty queue and unknown registration are two different 404s", async () => {
  const sim = await start();
  try {
    const empty = await api(sim, `${REF}/notifications`);
    const unknown = await api(sim, "/v1/monitoring/registrations/NOPE/notifications");
    assert.equal(empty.status, 404);
    assert.equal(unknown.status, 404);
    assert.equal(empty.body.error.errorCode, "21902");
    assert.equal(unknown.body.error.errorCode, "21901");
  } finally {
    await sim.shutdown();
  }
});
