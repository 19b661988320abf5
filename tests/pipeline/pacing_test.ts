import assert from "node:assert/strict";
import { PullPacer, pullPlan, replayStartFor } from "../../src/pipeline/pacing.ts";

const BOUNDS = { lower: -20, upper: 30, measured: true };

Deno.test("the pull plan keeps each D&B second below one replay response", () => {
  assert.deepEqual(pullPlan({ maxNotifications: 100, replayMax: 100 }), {
    pageSize: 99,
    pagesPerSecond: 1,
  });
  assert.deepEqual(pullPlan({ maxNotifications: 40, replayMax: 100 }), {
    pageSize: 40,
    pagesPerSecond: 2,
  });
  assert.deepEqual(pullPlan({ maxNotifications: 100, replayMax: 1_000 }), {
    pageSize: 100,
    pagesPerSecond: 9,
  });
});

Deno.test("one page per second: the next pull reaches D&B after the last page's second", () => {
  const pacer = new PullPacer({ pageSize: 99, pagesPerSecond: 1 });
  assert.equal(pacer.notBefore("R", BOUNDS), Number.NEGATIVE_INFINITY, "nothing pulled yet");
  pacer.record("R", 5_000);
  // D&B may be 20 ms behind us: wait until even then its clock reads 6.000, plus a margin.
  const at = pacer.notBefore("R", BOUNDS);
  assert.ok(at >= 6_020 && at <= 6_060, String(at));
  assert.equal(pacer.notBefore("OTHER", BOUNDS), Number.NEGATIVE_INFINITY, "per registration");
});

Deno.test("two pages per second: the third waits for the first one's second to end", () => {
  const pacer = new PullPacer({ pageSize: 40, pagesPerSecond: 2 });
  pacer.record("R", 5_000);
  assert.equal(pacer.notBefore("R", BOUNDS), Number.NEGATIVE_INFINITY);
  pacer.record("R", 5_000);
  assert.ok(pacer.notBefore("R", BOUNDS) >= 6_020);
  pacer.seed("R", 4_000);
  assert.ok(pacer.notBefore("R", BOUNDS) >= 6_020, "an older seed changes nothing");
});

Deno.test("recovery starts below any stamp the pull can get, with a second to spare", () => {
  // Sent at local 10.400 with D&B at most 20 ms behind: its page is stamped after 10.380.
  assert.equal(replayStartFor(10_400, BOUNDS), 9_000);
  // Exactly on a whole second: a strict "after" must still include it.
  assert.equal(replayStartFor(10_020, BOUNDS), 8_000);
});

Deno.test("a page that did not arrive whole closes its second to the registration's other pages", () => {
  const pacer = new PullPacer({ pageSize: 25, pagesPerSecond: 3 });
  pacer.record("R", 5_000);
  pacer.close("R", 5_000);
  assert.ok(pacer.notBefore("R", BOUNDS) >= 6_020, "no second or third page in 5.xxx");
  pacer.record("R", 6_000);
  assert.ok(pacer.notBefore("R", BOUNDS) < 6_100, "the next second takes pages again");
});

Deno.test("a registration with large records gets half the page and one page per second from then on", () => {
  const pacer = new PullPacer({ pageSize: 25, pagesPerSecond: 3 });
  pacer.record("R", 5_000);
  pacer.record("OTHER", 5_000);
  assert.equal(pacer.shrink("R"), 12, "half the page");
  assert.equal(pacer.pageSize("R"), 12);
  assert.equal(pacer.pageSize("OTHER"), 25);
  assert.ok(pacer.notBefore("R", BOUNDS) >= 6_020);
  pacer.record("R", 6_000);
  assert.ok(pacer.notBefore("R", BOUNDS) >= 7_020, "one page took the whole of 6.xxx");
  assert.equal(pacer.notBefore("OTHER", BOUNDS), Number.NEGATIVE_INFINITY, "per registration");
});
