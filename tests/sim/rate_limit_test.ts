import assert from "node:assert/strict";
import { TokenBucket } from "../../src/sim/rate_limit.ts";

function takeAll(bucket: TokenBucket, max: number): number {
  let taken = 0;
  for (let i = 0; i < max && bucket.tryTake(); i++) taken++;
  return taken;
}

Deno.test("a full bucket allows a burst of `rate`, then refills at rate per second", () => {
  let now = 0;
  const bucket = new TokenBucket(5, () => now);
  assert.equal(takeAll(bucket, 100), 5);
  now += 199;
  assert.equal(bucket.tryTake(), false);
  now += 1;
  assert.equal(takeAll(bucket, 100), 1);
  now += 10_000;
  assert.equal(takeAll(bucket, 100), 5, "never more than capacity");
});

Deno.test("below one request per second the capacity is still one", () => {
  let now = 0;
  const bucket = new TokenBucket(0.5, () => now);
  assert.equal(bucket.capacity, 1);
  assert.equal(takeAll(bucket, 10), 1);
  now += 1999;
  assert.equal(bucket.tryTake(), false);
  now += 1;
  assert.equal(bucket.tryTake(), true);
});
