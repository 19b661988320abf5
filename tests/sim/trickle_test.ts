import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { SimulatorState } from "../../src/sim/state.ts";
import { startTrickle } from "../../src/sim/trickle.ts";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("trickle feeds registrations with subjects over time and stops on shutdown", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    seed: 8,
    notificationsPerMinute: 1200,
    registrations: [
      { reference: "LIVE", duns: ["081466849"] },
      { reference: "EMPTY", duns: [] },
    ],
  });
  const live = sim.state.registrations.get("LIVE")!;
  try {
    for (let i = 0; i < 200 && live.queue.length < 3; i++) await delay(10);
    assert.ok(live.queue.length >= 3, `queued ${live.queue.length}`);
    assert.equal(sim.state.registrations.get("EMPTY")!.queue.length, 0);
    const value = JSON.parse(live.queue[0].text);
    assert.equal(value.organization.duns, "081466849");
  } finally {
    await sim.shutdown();
  }
  const after = live.queue.length;
  await delay(120);
  assert.equal(live.queue.length, after, "no notifications after shutdown");
});

Deno.test("a high trickle rate makes several notifications per tick", async () => {
  const state = new SimulatorState({
    seed: 2,
    registrations: [{ reference: "FAST", duns: ["081466849"] }],
  });
  const trickle = startTrickle(state, { notificationsPerMinute: 60_000 });
  try {
    const queue = () => state.registrations.get("FAST")!.queue.length;
    for (let i = 0; i < 100 && queue() < 100; i++) await delay(10);
    assert.ok(queue() >= 100, `queued ${queue()}`);
  } finally {
    trickle.stop();
  }
});

Deno.test("trickle with rate 0 does nothing", async () => {
  const state = new SimulatorState({ registrations: [{ reference: "OFF", duns: ["081466849"] }] });
  const trickle = startTrickle(state, { notificationsPerMinute: 0 });
  await delay(60);
  trickle.stop();
  assert.equal(state.registrations.get("OFF")!.queue.length, 0);
});

Deno.test("startSimulator rejects when the port is taken", async () => {
  const first = await startSimulator({ rateLimit: 0 });
  try {
    await assert.rejects(startSimulator({ port: first.port }), Deno.errors.AddrInUse);
  } finally {
    await first.shutdown();
  }
});
