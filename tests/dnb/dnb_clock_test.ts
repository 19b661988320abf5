import assert from "node:assert/strict";
import { DnbClock, EDGE_SKEW_MS, UNMEASURED_SKEW_MS } from "../../src/dnb/dnb_clock.ts";

Deno.test("before any answer the clock assumes the default skew either way", () => {
  assert.deepEqual(new DnbClock().bounds(), {
    lower: -UNMEASURED_SKEW_MS,
    upper: UNMEASURED_SKEW_MS,
    measured: false,
  });
});

Deno.test("delivery stamps bound the stamping clock from below; transaction times from above", () => {
  const clock = new DnbClock();
  // D&B is 250 ms ahead: it took the request at local 10,100 + 250 and stamped at 10,150 + 250.
  clock.observeInstant(new Date(10_350).toISOString(), { sentAt: 10_000, receivedAt: 10_200 });
  assert.deepEqual(clock.bounds(), {
    lower: 150 - EDGE_SKEW_MS,
    upper: 350,
    measured: true,
  }, "a transaction time alone may be a gateway's clock: widened from below");
  clock.observeLowerBound(new Date(10_400).toISOString(), { sentAt: 10_000, receivedAt: 10_200 });
  assert.deepEqual(clock.bounds(), { lower: 200, upper: 350, measured: true });
  clock.observeInstant(new Date(20_300).toISOString(), { sentAt: 20_000, receivedAt: 20_060 });
  assert.deepEqual(clock.bounds(), { lower: 200, upper: 300, measured: true });
});

Deno.test("a Date header alone narrows the guess, widened: the front may be another machine", () => {
  const clock = new DnbClock();
  clock.observeDateHeader(new Date(20_000).toUTCString(), { sentAt: 19_700, receivedAt: 19_760 });
  assert.deepEqual(clock.bounds(), {
    lower: 240 - EDGE_SKEW_MS,
    upper: 1_299,
    measured: true,
  });
  // Once the stamping clock is seen, a front that disagrees with it no longer counts.
  clock.observeLowerBound(new Date(27_000).toISOString(), { sentAt: 30_000, receivedAt: 30_010 });
  clock.observeInstant(new Date(27_005).toISOString(), { sentAt: 30_000, receivedAt: 30_010 });
  clock.observeDateHeader(new Date(31_000).toUTCString(), { sentAt: 31_000, receivedAt: 31_010 });
  assert.deepEqual(clock.bounds(), { lower: -3_010, upper: -2_995, measured: true });
});

Deno.test("a stamp sample never pushes the upper bound away", () => {
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
  assert.equal(clock.bounds().upper, 59_000);
});
