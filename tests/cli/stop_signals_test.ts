import assert from "node:assert/strict";
import { DUPLICATE_WINDOW_MS, judgeSignal, stopOnSignals } from "../../src/cli/stop_signals.ts";

/** A fake process: records listeners and exits, with a clock the test moves. */
function fakePort() {
  const handlers = new Map<Deno.Signal, () => void>();
  const exits: number[] = [];
  let clock = 1_000;
  return {
    exits,
    port: {
      listen: (signal: Deno.Signal, handler: () => void) => handlers.set(signal, handler),
      exit: (code: number) => void exits.push(code),
      now: () => clock,
    },
    send(signal: Deno.Signal, atMs: number) {
      clock = atMs;
      handlers.get(signal)!();
    },
  };
}

Deno.test("judgeSignal: the first stops, copies within the window are duplicates, a later one exits", () => {
  assert.equal(judgeSignal(null, 5), "stop");
  assert.equal(judgeSignal(100, 100), "duplicate");
  assert.equal(judgeSignal(100, 101), "duplicate");
  assert.equal(judgeSignal(100, 100 + DUPLICATE_WINDOW_MS - 1), "duplicate");
  assert.equal(judgeSignal(100, 100 + DUPLICATE_WINDOW_MS), "exit");
  assert.equal(judgeSignal(100, 5_000), "exit");
  assert.equal(judgeSignal(100, 150, 20), "exit");
});

Deno.test("stopOnSignals: Ctrl-C under deno task (terminal's SIGINT plus two forwarded copies) stops once, no exit", async () => {
  const fake = fakePort();
  const stopped = stopOnSignals(["SIGINT", "SIGTERM"], fake.port);
  fake.send("SIGINT", 1_000);
  fake.send("SIGINT", 1_000.7);
  fake.send("SIGINT", 1_000.9);
  await stopped;
  assert.deepEqual(fake.exits, []);
});

Deno.test("stopOnSignals: a deliberate second Ctrl-C later exits at once with 130", async () => {
  const fake = fakePort();
  const stopped = stopOnSignals(["SIGINT", "SIGTERM"], fake.port);
  fake.send("SIGINT", 1_000);
  await stopped;
  fake.send("SIGINT", 1_000 + DUPLICATE_WINDOW_MS + 1_500);
  assert.deepEqual(fake.exits, [130]);
});

Deno.test("stopOnSignals: SIGTERM stops gracefully; a later SIGINT exits at once", async () => {
  const fake = fakePort();
  const stopped = stopOnSignals(["SIGINT", "SIGTERM"], fake.port);
  fake.send("SIGTERM", 1_000);
  await stopped;
  assert.deepEqual(fake.exits, []);
  // A supervisor that signals the whole group sends copies too; they are the same request.
  fake.send("SIGTERM", 1_001);
  assert.deepEqual(fake.exits, []);
  fake.send("SIGINT", 3_000);
  assert.deepEqual(fake.exits, [130]);
});
