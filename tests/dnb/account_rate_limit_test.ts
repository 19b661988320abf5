import assert from "node:assert/strict";
import { AccountRateLimit, RATE_MARGIN } from "../../src/dnb/account_rate_limit.ts";

Deno.test("two limiters on one KV share one schedule: each slot once, evenly spaced", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const key = ["dnb", "rate", "http://dnb", "client"];
    // Time stands still, so every wait is exactly the distance of its slot from now.
    const now = () => 1_000_000;
    const a = new AccountRateLimit({ kv, key, ratePerSecond: 1000, now });
    const b = new AccountRateLimit({ kv, key, ratePerSecond: 1000, now });
    const waits = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take()),
    );
    const interval = (1000 / 1000) * (1 + RATE_MARGIN);
    const slots = waits.map((w) => Math.round(w / interval)).sort((x, y) => x - y);
    assert.deepEqual(slots, Array.from({ length: 30 }, (_, i) => i), "no slot given twice");
    for (const wait of waits) {
      assert.ok(Math.abs(wait / interval - Math.round(wait / interval)) < 1e-6, "on the grid");
    }
    assert.equal(a.stats().taken + b.stats().taken, 30);
  } finally {
    kv.close();
  }
});

Deno.test("a quiet spell gives no credit: the next request after it waits its interval again", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let time = 0;
    const limit = new AccountRateLimit({ kv, key: ["k"], ratePerSecond: 1000, now: () => time });
    assert.equal(await limit.take(), 0);
    time = 60_000;
    assert.equal(await limit.take(), 0);
    assert.ok((await limit.take()) > 1, "the second one right after waits");
  } finally {
    kv.close();
  }
});
