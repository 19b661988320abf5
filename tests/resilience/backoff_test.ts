import assert from "node:assert/strict";
import { backoffDelay, parseRetryAfter } from "../../src/resilience/backoff.ts";

Deno.test("backoff ceiling doubles per attempt and is capped", () => {
  const top = () => 0.999999;
  const ceilings = [0, 1, 2, 3, 4, 10].map((attempt) =>
    backoffDelay(attempt, { baseMs: 100, maxMs: 1_000, random: top })
  );
  assert.deepEqual(ceilings, [99, 199, 399, 799, 999, 999]);
});

Deno.test("backoff uses full jitter: zero is possible", () => {
  assert.equal(backoffDelay(5, { baseMs: 100, maxMs: 10_000, random: () => 0 }), 0);
  const half = backoffDelay(2, { baseMs: 100, maxMs: 10_000, random: () => 0.5 });
  assert.equal(half, 200);
});

Deno.test("Retry-After is read as seconds or as an HTTP date", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("3", now), 3_000);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now), 10_000);
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter("soon", now), null);
});
