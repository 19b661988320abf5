import assert from "node:assert/strict";
import {
  checkRemovalLimit,
  planSubjectSync,
  SyncRemovalLimitError,
} from "../../src/dnb/subject_sync.ts";

Deno.test("planSubjectSync: with an export, adds and removes are the exact difference", () => {
  const plan = planSubjectSync({
    desired: ["1", "2", "3"],
    exported: new Set(["2", "3", "4", "5"]),
    recorded: new Set(["9"]),
  });
  assert.deepEqual(plan, {
    basis: "export",
    adds: ["1"],
    removes: ["4", "5"],
    unchanged: 2,
    current: 4,
  });
});

Deno.test("planSubjectSync: without one, the record is the current list", () => {
  const plan = planSubjectSync({
    desired: ["1", "2"],
    exported: null,
    recorded: new Set(["2", "7"]),
  });
  assert.deepEqual(plan, {
    basis: "record",
    adds: ["1"],
    removes: ["7"],
    unchanged: 1,
    current: 2,
  });
});

Deno.test("checkRemovalLimit: at or under the limit passes, over it is refused with the numbers, --force lifts it", () => {
  const plan = (removes: number, current: number) => ({
    basis: "export" as const,
    adds: [],
    removes: Array.from({ length: removes }, (_, i) => String(i)),
    unchanged: current - removes,
    current,
  });
  checkRemovalLimit(plan(10, 100), { maxPercent: 10, force: false, reference: "R" });
  assert.throws(
    () => checkRemovalLimit(plan(11, 100), { maxPercent: 10, force: false, reference: "R" }),
    (error: unknown) =>
      error instanceof SyncRemovalLimitError && error.code === "SYNC_REMOVAL_LIMIT" &&
      /remove 11 of 100 subjects of R \(11\.0 %\)/.test(error.message),
  );
  checkRemovalLimit(plan(100, 100), { maxPercent: 10, force: true, reference: "R" });
  checkRemovalLimit(plan(0, 0), { maxPercent: 0, force: false, reference: "R" });
});
