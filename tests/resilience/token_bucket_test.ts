import assert from "node:assert/strict";
import { TokenBucket } from "../../src/resilience/token_bucket.ts";

Deno.test("token bucket spaces permits evenly at the configured rate", () => {
  let now = 1_000;
  const bucket = new TokenBucket({ ratePerSecond: 5, now: () => now });
  const waits = Array.from({ length: 5 }, () => bucket.reserve());
  assert.deepEqual(waits, [0, 200, 400, 600, 800]);
  now += 2_000;
  assert.equal(bucket.reserve(), 0, "after a quiet period the next permit is immediate");
});

Deno.test("token bucket with a burst lets that many through at once, then the rate", () => {
  const now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: () => now });
  const waits = Array.from({ length: 5 }, () => bucket.reserve());
  assert.deepEqual(waits, [0, 0, 0, 100, 200]);
});

Deno.test("token bucket counts permits and waiting time", () => {
  const bucket = new TokenBucket({ ratePerSecond: 4, now: () => 0 });
  bucket.reserve();
  bucket.reserve();
  assert.deepEqual(bucket.stats(), { taken: 2, waitedMsTotal: 250 });
});

Deno.test("token bucket take() rejects when aborted and leaves no timer", async () => {
  const bucket = new TokenBucket({ ratePerSecond: 1 });
  await bucket.take();
  const controller = new AbortController();
  const pending = bucket.take(controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(pending, /stop/);
});

Deno.test("token bucket refuses a non-positive rate", () => {
  assert.throws(() => new TokenBucket({ ratePerSecond: 0 }), RangeError);
});
