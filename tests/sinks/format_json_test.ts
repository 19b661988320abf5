import assert from "node:assert/strict";
import { jsonFormat } from "../../src/sinks/format_json.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

function decode(batch: Batch): Record<string, unknown> {
  const bytes = jsonFormat.encode(batch, { storageType: "local_file" });
  return JSON.parse(new TextDecoder().decode(bytes));
}

Deno.test("json: the envelope of the original guide, metadata from the batch", () => {
  const batch = trickyBatch();
  const document = decode(batch);
  assert.deepEqual(Object.keys(document), ["metadata", "notifications"]);
  assert.deepEqual(document.metadata, {
    export_timestamp: "2024-02-25T16:21:08.123Z",
    notification_count: 4,
    format_version: "1.0",
    storage_type: "local_file",
    registration_reference: "ACME_PULL_01",
    sequence: 7,
    pulled_at: "2024-02-25T16:21:08.123Z",
  });
  assert.equal(jsonFormat.extension, "json");
});

Deno.test("json: the guide's keys, each carrying D&B's value whole, unknown fields after", () => {
  const batch = trickyBatch();
  const notifications = decode(batch).notifications as Record<string, unknown>[];
  assert.equal(notifications.length, batch.notifications.length);
  notifications.forEach((written, i) => {
    const { id, notification } = batch.notifications[i];
    const guide = [
      "id",
      "type",
      "organization",
      "elements",
      "delivery_timestamp",
      "processed",
      "processing_timestamp",
    ];
    const unknown = Object.keys(notification).filter((key) =>
      !["type", "organization", "elements", "deliveryTimeStamp"].includes(key)
    );
    assert.deepEqual(Object.keys(written), [...guide, ...unknown]);
    assert.equal(written.id, id);
    assert.equal(written.type, notification.type);
    assert.deepEqual(written.organization, notification.organization);
    assert.deepEqual(written.elements, notification.elements ?? []);
    assert.equal(written.delivery_timestamp, notification.deliveryTimeStamp);
    assert.equal(written.processed, true);
    assert.equal(written.processing_timestamp, batch.pulledAt);
    for (const key of unknown) assert.deepEqual(written[key], notification[key]);
  });
  assert.deepEqual(notifications[0].vendorExtension, { kept: true });
});

Deno.test("json: values are D&B's bytes, spliced in, never re-serialised", () => {
  const batch = trickyBatch();
  const text = new TextDecoder().decode(jsonFormat.encode(batch, { storageType: "local_file" }));
  assert.ok(text.includes('"previous":2.9051016094E8,"current":3.0251016094E8'));
  assert.ok(text.includes('"vendorExtension": {"kept":true}'));
  const tricky = JSON.parse(batch.notifications[1].raw);
  assert.ok(text.includes(`"organization": { "duns": "123456789" }`));
  assert.equal(tricky.elements.length, 7);
});

Deno.test("json: a D&B field named like an envelope key goes to colliding_fields", () => {
  const batch = trickyBatch();
  const entry = batch.notifications[2];
  const raw = entry.raw.replace(/}\s*$/, ', "id": "dnb-1", "processed": "no"}');
  batch.notifications[2] = { ...entry, raw, notification: JSON.parse(raw) };
  const written = (decode(batch).notifications as Record<string, unknown>[])[2];
  assert.equal(written.id, entry.id);
  assert.equal(written.processed, true);
  assert.deepEqual(written.colliding_fields, { id: "dnb-1", processed: "no" });
});

Deno.test("json: tricky values survive, absent keys stay absent and null stays null", () => {
  const [first, second] = decode(trickyBatch()).notifications as {
    elements: Record<string, unknown>[];
  }[];
  assert.equal(first.elements[0].current, 302510160.94);
  assert.equal(second.elements[0].previous, 'He said "hi", then\nleft; a,b');
  assert.equal(second.elements[0].current, "Ünïcødé 😀 <&> 'x' \r\n\ttab");
  assert.ok(!("timestamp" in second.elements[1]));
  assert.equal(second.elements[3].previous, null);
  assert.deepEqual(second.elements[3].current, []);
  assert.ok(!("previous" in second.elements[4]));
  assert.equal(second.elements[4].current, "null");
  assert.equal(second.elements[4].timestamp, null);
  assert.equal(
    second.elements[5].current,
    "ctrl \u0001 \u001f nul \u0000 ffff \uffff lone \ud800 end",
  );
});

Deno.test("json: notifications without elements get an empty list, unknown types are kept", () => {
  const notifications = decode(trickyBatch()).notifications as Record<string, unknown>[];
  assert.deepEqual(notifications[2].elements, []);
  assert.equal(notifications[3].type, "SOMETHING_NEW");
  assert.deepEqual(notifications[3].elements, []);
});

Deno.test("json: pretty-printed with two spaces and newline-terminated", () => {
  const text = new TextDecoder().decode(
    jsonFormat.encode(trickyBatch(), { storageType: "sftp" }),
  );
  assert.ok(text.startsWith('{\n  "metadata": {\n    "export_timestamp": '));
  assert.ok(text.endsWith("}\n"));
  assert.match(text, /"storage_type": "sftp"/);
});

Deno.test("json: an empty batch is a valid document with no notifications", () => {
  const document = decode(trickyBatch({ notifications: [] }));
  assert.deepEqual(document.notifications, []);
  assert.equal((document.metadata as Record<string, unknown>).notification_count, 0);
});
