import assert from "node:assert/strict";
import { claimScheduledSync } from "../../src/pipeline/mod.ts";
import { lockTolerantKv } from "../../src/resilience/lock_tolerant_kv.ts";

Deno.test("two instances on one KV: one of them claims a scheduled sync run, the next run is claimed anew", async () => {
  const dir = await Deno.makeTempDir({ prefix: "traceone-claim-" });
  // Two processes' connections, opened as the runtime opens the state (openStateKv).
  const first = lockTolerantKv(await Deno.openKv(`${dir}/state.kv`));
  const second = lockTolerantKv(await Deno.openKv(`${dir}/state.kv`));
  try {
    const at = new Date("2026-12-02T03:00:00.000Z");
    const claims = await Promise.all([
      claimScheduledSync(first, { registration: "SUPPLIERS", entry: 0, at, owner: "a" }),
      claimScheduledSync(second, { registration: "SUPPLIERS", entry: 0, at, owner: "b" }),
    ]);
    assert.deepEqual(claims.filter(Boolean).length, 1);
    // Another registration at the same time, and the same one the next day, are their own runs.
    assert.ok(
      await claimScheduledSync(second, { registration: "CUSTOMERS", entry: 1, at, owner: "b" }),
    );
    const tomorrow = new Date("2026-12-03T03:00:00.000Z");
    assert.ok(
      await claimScheduledSync(second, {
        registration: "SUPPLIERS",
        entry: 0,
        at: tomorrow,
        owner: "b",
      }),
    );
    assert.equal(
      await claimScheduledSync(first, {
        registration: "SUPPLIERS",
        entry: 0,
        at: tomorrow,
        owner: "a",
      }),
      false,
    );
  } finally {
    first.close();
    second.close();
    await Deno.remove(dir, { recursive: true });
  }
});
