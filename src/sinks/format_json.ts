import type { BatchFormat, FormatContext } from "./batch_format.ts";
import { rawNotification } from "./raw_notification.ts";
import type { Batch, JournaledNotification } from "./sink.ts";

/** The D&B members the envelope places under the guide's keys. */
const PLACED = ["type", "organization", "elements", "deliveryTimeStamp"];

/** The envelope's own keys: a D&B member of such a name goes under `colliding_fields`. */
const RESERVED: ReadonlySet<string> = new Set([
  "id",
  "type",
  "organization",
  "elements",
  "delivery_timestamp",
  "processed",
  "processing_timestamp",
  "colliding_fields",
  "deliveryTimeStamp",
]);

/**
 * The original service's JSON envelope (monitoring guide §6), key for key, carrying D&B's
 * notification whole (design.md invariant 7).
 *
 * Each value comes from the notification's text as received, spliced in and never re-serialised:
 * the full `organization` (a SEED's whole product record), `elements` with every field of every
 * element, numbers as D&B spelled them (`3.0251016094E8`). `deliveryTimeStamp` is written as
 * `delivery_timestamp`; `elements` is `[]` when D&B sent none. Every other member D&B sends (a
 * field added tomorrow) follows the guide's keys under its own name and with its own bytes; one
 * whose name the envelope already uses (say `id`) goes into `colliding_fields` instead, so no
 * envelope key is shadowed. A name D&B itself repeats is written as often as D&B wrote it, which
 * `JSON.parse` reads as D&B's text means: the last one.
 *
 * `export_timestamp` and `processing_timestamp` are the batch's `pulledAt`, not the clock: a
 * re-delivered batch must rewrite a byte-identical file.
 */
export const jsonFormat: BatchFormat = {
  extension: "json",
  encode(batch: Batch, context: FormatContext): Uint8Array {
    const metadata = JSON.stringify(
      {
        export_timestamp: batch.pulledAt,
        notification_count: batch.notifications.length,
        format_version: "1.0",
        storage_type: context.storageType,
        registration_reference: batch.registration,
        sequence: batch.sequence,
        pulled_at: batch.pulledAt,
      },
      null,
      2,
    ).replaceAll("\n", "\n  ");
    const notifications = batch.notifications.map((entry) => envelopeText(entry, batch.pulledAt));
    const list = notifications.length === 0 ? "[]" : `[\n${notifications.join(",\n")}\n  ]`;
    return new TextEncoder().encode(
      `{\n  "metadata": ${metadata},\n  "notifications": ${list}\n}\n`,
    );
  },
};

function envelopeText(entry: JournaledNotification, pulledAt: string): string {
  const raw = rawNotification(entry);
  const placed = new Set(PLACED.map((name) => raw.member(name)));
  const value = (name: string, fallback: unknown) =>
    raw.member(name)?.raw ?? JSON.stringify(fallback);
  const elements = raw.member("elements")?.raw;
  const lines = [
    `"id": ${JSON.stringify(entry.id)}`,
    `"type": ${value("type", entry.notification.type)}`,
    `"organization": ${value("organization", entry.notification.organization)}`,
    `"elements": ${elements === undefined || elements === "null" ? "[]" : elements}`,
    `"delivery_timestamp": ${value("deliveryTimeStamp", entry.notification.deliveryTimeStamp)}`,
    `"processed": true`,
    `"processing_timestamp": ${JSON.stringify(pulledAt)}`,
  ];
  const colliding: string[] = [];
  for (const member of raw.members) {
    if (placed.has(member)) continue;
    const line = `${member.rawName}: ${member.raw}`;
    if (RESERVED.has(member.name)) colliding.push(line);
    else lines.push(line);
  }
  if (colliding.length > 0) lines.push(`"colliding_fields": {${colliding.join(", ")}}`);
  return `    {\n      ${lines.join(",\n      ")}\n    }`;
}
