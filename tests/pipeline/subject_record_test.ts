import assert from "node:assert/strict";
import {
  forgetEndedSubjects,
  recordedSubjects,
  recordSubjects,
} from "../../src/pipeline/subject_record.ts";

function notification(type: string, duns: string, deliveryTimeStamp: string) {
  return { notification: { type, organization: { duns }, deliveryTimeStamp } };
}

Deno.test("REMOVED and EXIT delivered after a DUNS was recorded take it out of the record; an older one does not", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await recordSubjects(kv, {
      reference: "SUPPLIERS",
      duns: ["111111111", "222222222", "333333333", "444444444"],
      present: true,
      at: "2026-12-01T10:00:00.000Z",
    });
    const forgotten = await forgetEndedSubjects(kv, "SUPPLIERS", [
      notification("REMOVED", "111111111", "2026-12-01T11:00:00.000Z"),
      notification("EXIT", "222222222", "2026-12-01T11:00:00Z"),
      // A replay of a REMOVED from before the add: the later add stands.
      notification("REMOVED", "333333333", "2026-11-30T09:00:00.000Z"),
      notification("UPDATE", "444444444", "2026-12-01T11:00:00.000Z"),
      // Not in the record: nothing to forget.
      notification("REMOVED", "555555555", "2026-12-01T11:00:00.000Z"),
    ]);
    assert.deepEqual(forgotten, ["111111111", "222222222"]);
    assert.deepEqual([...await recordedSubjects(kv, "SUPPLIERS")].sort(), [
      "333333333",
      "444444444",
    ]);
  } finally {
    kv.close();
  }
});
