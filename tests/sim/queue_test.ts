import assert from "node:assert/strict";
import {
  dropExpired,
  enqueueText,
  QUEUE_RETENTION_MS,
  REPLAY_WINDOW_MS,
  replaySince,
  takeOldest,
} from "../../src/sim/queue.ts";
import { newRegistration } from "../../src/sim/registration.ts";
import { createdDateText, isoSeconds, parseSecondPrecision } from "../../src/sim/timestamps.ts";

const T = Date.parse("2024-02-25T16:21:07.000Z");

function text(duns: string, stamp?: string): string {
  return JSON.stringify({
    type: "DELETE",
    organization: { duns },
    elements: [],
    ...(stamp ? { deliveryTimeStamp: stamp } : {}),
  });
}

Deno.test("the queue keeps text verbatim and falls back to enqueue time without a stamp", () => {
  const registration = newRegistration("Q", { nowMs: T });
  enqueueText(registration, { text: "not json at all", nowMs: T + 5 });
  enqueueText(registration, { text: text("000000001", "2024-02-25T16:21:07.593Z"), nowMs: T });
  assert.equal(registration.queue[0].text, "not json at all");
  assert.equal(registration.queue[0].deliveryMs, T + 5);
  assert.equal(registration.queue[0].duns, null);
  assert.equal(registration.queue[1].deliveryMs, T + 593);
  assert.equal(registration.queue[1].duns, "000000001");
});

Deno.test("takeOldest moves items to the replay log; replaySince is strict and ascending", () => {
  const registration = newRegistration("Q", { nowMs: T });
  enqueueText(registration, { text: text("2", "2024-02-25T16:21:08.000Z"), nowMs: T });
  enqueueText(registration, { text: text("1", "2024-02-25T16:21:07.001Z"), nowMs: T });
  const taken = takeOldest(registration, { max: 5, nowMs: T, stamp: () => T });
  assert.deepEqual(taken.map((item) => item.duns), ["2", "1"]);
  assert.equal(registration.queue.length, 0);
  assert.deepEqual(
    replaySince(registration, { startMs: T, max: 5 }).map((item) => item.duns),
    ["1", "2"],
  );
  assert.deepEqual(
    replaySince(registration, { startMs: T + 1000, max: 5 }).map((item) => item.duns),
    [],
  );
});

Deno.test("an item stamped at delivery gets the pull's moment appended, and keeps it for replay", () => {
  const registration = newRegistration("Q", { nowMs: T });
  const queued = '{"type":"UPDATE","organization":{"duns":"000000001"},"elements":[{"x":3.0E8}]}';
  enqueueText(registration, { text: queued, nowMs: T, stampAtDelivery: true });
  assert.equal(registration.queue[0].deliveryMs, null, "no stamp while queued");
  let next = T + 90_000;
  const [item] = takeOldest(registration, { max: 1, nowMs: T + 90_000, stamp: () => next++ });
  assert.equal(
    item.text,
    '{"type":"UPDATE","organization":{"duns":"000000001"},"elements":[{"x":3.0E8}],' +
      '"deliveryTimeStamp":"2024-02-25T16:22:37.000Z"}',
  );
  assert.equal(item.deliveryMs, T + 90_000);
  assert.deepEqual(replaySince(registration, { startMs: T + 89_000, max: 5 }), [item]);
});

Deno.test("dropExpired applies 4 days to the queue and 14 days to the replay log", () => {
  const registration = newRegistration("Q", { nowMs: T });
  enqueueText(registration, { text: text("1"), nowMs: T });
  takeOldest(registration, { max: 1, nowMs: T, stamp: () => T });
  enqueueText(registration, { text: text("2"), nowMs: T });
  dropExpired(registration, T + QUEUE_RETENTION_MS - 1);
  assert.equal(registration.queue.length, 1);
  dropExpired(registration, T + QUEUE_RETENTION_MS);
  assert.equal(registration.queue.length, 0);
  dropExpired(registration, T + REPLAY_WINDOW_MS - 1);
  assert.equal(registration.replayLog.length, 1);
  dropExpired(registration, T + REPLAY_WINDOW_MS);
  assert.equal(registration.replayLog.length, 0);
});

Deno.test("timestamp spellings: createdDate without T, second precision parsing", () => {
  assert.equal(createdDateText(T + 250), "2024-02-25 16:21:07");
  assert.equal(isoSeconds(T + 999), "2024-02-25T16:21:07Z");
  assert.equal(parseSecondPrecision("2024-02-25T16:21:07Z"), T);
  assert.equal(parseSecondPrecision("2024-02-25T16:21:07.000Z"), null);
  assert.equal(parseSecondPrecision("2024-13-01T00:00:00Z"), null);
});
