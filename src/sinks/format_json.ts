import type { NotificationElement } from "../dnb/payload.ts";
import type { BatchFormat, FormatContext } from "./format.ts";
import type { Batch, JournaledNotification } from "./sink.ts";

/**
 * The original service's JSON envelope (monitoring guide §6), field for field, plus `sequence`
 * and `pulled_at` in `metadata`.
 *
 * `export_timestamp` and `processing_timestamp` are the batch's `pulledAt`, not the clock:
 * a re-delivered batch must rewrite a byte-identical file, and the pull time is the moment the
 * notifications entered our custody. `previous`, `current` and `timestamp` appear exactly when
 * D&B sent them (an absent key stays absent, `null` stays `null`); other fields D&B may add are
 * not part of this envelope — the `ndjson` format keeps notifications as received.
 */
export const jsonFormat: BatchFormat = {
  extension: "json",
  encode(batch: Batch, context: FormatContext): Uint8Array {
    const document = {
      metadata: {
        export_timestamp: batch.pulledAt,
        notification_count: batch.notifications.length,
        format_version: "1.0",
        storage_type: context.storageType,
        registration_reference: batch.registration,
        sequence: batch.sequence,
        pulled_at: batch.pulledAt,
      },
      notifications: batch.notifications.map((entry) => envelopeOf(entry, batch.pulledAt)),
    };
    return new TextEncoder().encode(JSON.stringify(document, null, 2) + "\n");
  },
};

function envelopeOf(entry: JournaledNotification, pulledAt: string): Record<string, unknown> {
  const notification = entry.notification;
  return {
    id: entry.id,
    type: notification.type,
    organization: { duns: notification.organization.duns },
    elements: (notification.elements ?? []).map(elementOf),
    delivery_timestamp: notification.deliveryTimeStamp,
    processed: true,
    processing_timestamp: pulledAt,
  };
}

function elementOf(element: NotificationElement): Record<string, unknown> {
  const out: Record<string, unknown> = { element: element.element };
  if ("previous" in element) out.previous = element.previous;
  if ("current" in element) out.current = element.current;
  if ("timestamp" in element) out.timestamp = element.timestamp;
  return out;
}
