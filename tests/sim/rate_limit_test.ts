import assert from "node:assert/strict";
import { SlidingWindowLimit } from "../../src/sim/rate_limit.ts";

function takeAll(limit: SlidingWindowLimit, max: number): number {
  let taken = 0;
  for (let i = 0; i < max && limit.tryTake(); i++) taken++;
  return taken;
}

Deno.test("at most `rate` requests in any sliding second", () => {
  let now = 0;
  const limit = new SlidingWindowLimit(5, () => now);
  assert.equal(takeAll(limit, 100), 5);
  now += 999;
  assert.equal(limit.tryTake(), false, "the window still holds all five");
  now += 1;
  assert.equal(takeAll(limit, 100), 5, "all five left the window together");
});

Deno.test("evenly spaced at exactly the rate, one late request makes the next one a 429", () => {
  let now = 0;
  const limit = new SlidingWindowLimit(5, () => now);
  const accepted: boolean[] = [];
  // 200 ms apart, but the first is 30 ms late: the sixth arrives 970 ms after it.
  for (const at of [30, 200, 400, 600, 800, 1000]) {
    now = at;
    accepted.push(limit.tryTake());
  }
  assert.deepEqual(accepted, [true, true, true, true, true, false]);
});

Deno.test("below one request per second the window grows", () => {
  let now = 0;
  const limit = new SlidingWindowLimit(0.5, () => now);
  assert.equal(takeAll(limit, 10), 1);
  now += 1999;
  assert.equal(limit.tryTake(), false);
  now += 1;
  assert.equal(limit.tryTake(), true);
});
