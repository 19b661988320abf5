import assert from "node:assert/strict";
import { DnbClock, EDGE_SKEW_MS, UNMEASURED_SKEW_MS } from "../../src/dnb/dnb_clock.ts";

Deno.test("before any answer the clock assumes the default skew either way", () => {
  assert.deepEqual(new DnbClock().bounds(), {
    lower: -UNMEASURED_SKEW_MS,
    upper: UNMEASURED_SKEW_MS,
    measured: false,
  });
});

Deno.test("a transaction time bounds D&B's offset from both sides", () => {
  const clock = new DnbClock();
  // D&B is 250 ms ahead: it saw the request at local 10,100 + 250.
  clock.observeInstant(new Date(10_350).toISOString(), { sentAt: 10_000, receivedAt: 10_200 });
  assert.deepEqual(clock.bounds(), { lower: 150, upper: 350, measured: true });
  clock.observeInstant(new Date(20_300).toISOString(), { sentAt: 20_000, receivedAt: 20_060 });
  assert.deepEqual(clock.bounds(), { lower: 240, upper: 300, measured: true });
});

Deno.test("a Date header alone narrows the guess, widened: the front may be another machine", () => {
  const clock = new DnbClock();
  clock.observeDateHeader(new Date(20_000).toUTCString(), { sentAt: 19_700, receivedAt: 19_760 });
  assert.deepEqual(clock.bounds(), {
    lower: 240 - EDGE_SKEW_MS,
    upper: 1_299 + EDGE_SKEW_MS,
    measured: true,
  });
  // Once the stamping clock is seen, a front that disagrees with it no longer counts.
  clock.observeInstant(new Date(27_000).toISOString(), { sentAt: 30_000, receivedAt: 30_010 });
  clock.observeDateHeader(new Date(31_000).toUTCString(), { sentAt: 31_000, receivedAt: 31_010 });
  assert.deepEqual(clock.bounds(), { lower: -3_010, upper: -3_000, measured: true });
});

Deno.test("a delivery stamp bounds from below only, and never pushes the upper bound away", () => {
  const clock = new DnbClock();
  clock.observeInstant(new Date(1_000).toISOString(), { sentAt: 1_000, receivedAt: 1_010 });
  for (let i = 0; i < 100; i++) {
    clock.observeLowerBound(new Date(2_000 + i).toISOString(), {
      sentAt: 1_995 + i,
      receivedAt: 2_005 + i,
    });
  }
  const bounds = clock.bounds();
  assert.equal(bounds.upper, 0, "the transaction time's upper bound is kept");
  assert.equal(bounds.lower, -5);
});

Deno.test("a sample that contradicts the others (a stepped clock) starts the estimate over", () => {
  const clock = new DnbClock();
  clock.observeInstant(new Date(1_000).toISOString(), { sentAt: 1_000, receivedAt: 1_010 });
  clock.observeInstant(new Date(61_000).toISOString(), { sentAt: 2_000, receivedAt: 2_010 });
  assert.deepEqual(clock.bounds(), { lower: 58_990, upper: 59_000, measured: true });
});
