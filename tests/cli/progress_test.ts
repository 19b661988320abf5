import assert from "node:assert/strict";
import { describeOutcome } from "../../src/cli/pipeline_commands.ts";
import { duration, progressLine } from "../../src/cli/progress.ts";

Deno.test("a progress line says how far, how fast and how long still", () => {
  assert.equal(
    progressLine({ label: "add", done: 1_200, total: 5_000, unit: "DUNS", elapsedMs: 250_000 }),
    "add 1,200/5,000 DUNS (24 %) · 4.8 DUNS/s · ETA 13m 12s",
  );
  assert.equal(
    progressLine({ label: "add", done: 5_000, total: 5_000, unit: "DUNS", elapsedMs: 100_000 }),
    "add 5,000/5,000 DUNS (100 %) · 50 DUNS/s",
  );
  assert.equal(
    progressLine({ label: "remove", done: 0, total: 10, unit: "DUNS", elapsedMs: 0 }),
    "remove 0/10 DUNS (0 %) · 0.0 DUNS/s",
  );
  assert.deepEqual([duration(42), duration(790), duration(3_725)], ["42s", "13m 10s", "1h 02m"]);
});

Deno.test("tick outcomes are words, not enums", () => {
  assert.equal(describeOutcome("lease_held"), "skipped: another instance holds this registration");
  assert.match(describeOutcome("cap"), /more queued at D&B/);
  assert.equal(describeOutcome("drained"), "drained");
});
