import type { NotificationElement } from "../model/payload.ts";
import type { BatchFormat } from "./batch_format.ts";
import { type RawElement, rawNotification } from "./raw_notification.ts";
import type { Batch } from "./sink.ts";

/** The header row, in column order. */
export const CSV_COLUMNS = [
  "notification_id",
  "registration",
  "batch_sequence",
  "type",
  "duns",
  "delivery_timestamp",
  "element_position",
  "element",
  "previous",
  "current",
  "element_timestamp",
] as const;

/**
 * RFC 4180 CSV (CRLF line ends, a header row), one row per changed element, so a spreadsheet
 * shows one change per line. A notification without elements (DELETE, TRANSFER…) still gets one
 * row, with the five element columns empty, so no notification disappears from the file.
 *
 * `previous` and `current` hold the value as JSON text exactly as D&B wrote it: `"Old Name"` with
 * its quotes, `null`, `[]`, `{"a":1}`, `3.0251016094E8`. An empty cell means D&B sent no such
 * key. This keeps a string `"null"` apart from `null` and an empty string apart from nothing, so
 * every value reads back exactly with `JSON.parse` (after the formula guard below is stripped).
 * `element_position` is the 0-based index in `elements`; `element_timestamp` is empty when D&B
 * sent none (or `null`).
 *
 * CSV is the one lossy format: a row has no place for the rest of `organization` (a SEED's
 * product record), for fields D&B adds to a notification or an element, or for a `null`
 * `timestamp` as distinct from none. json, ndjson, xml and SQL keep everything.
 */
export const csvFormat: BatchFormat = {
  extension: "csv",
  encode(batch: Batch): Uint8Array {
    const rows: string[][] = [[...CSV_COLUMNS]];
    for (const entry of batch.notifications) {
      const { id, notification } = entry;
      const common = [
        id,
        batch.registration,
        String(batch.sequence),
        notification.type,
        notification.organization.duns,
        notification.deliveryTimeStamp,
      ];
      const elements = notification.elements ?? [];
      if (elements.length === 0) rows.push([...common, "", "", "", "", ""]);
      const raw = rawNotification(entry);
      elements.forEach((element, position) => {
        rows.push([...common, ...elementCells(element, { position, raw: raw.elements[position] })]);
      });
    }
    return new TextEncoder().encode(
      rows.map((row) => row.map((cell) => csvField(formulaSafe(cell))).join(",") + "\r\n")
        .join(""),
    );
  },
};

function elementCells(
  element: NotificationElement,
  options: { position: number; raw: RawElement | undefined },
): string[] {
  return [
    String(options.position),
    element.element,
    "previous" in element ? options.raw?.previous ?? JSON.stringify(element.previous) ?? "" : "",
    "current" in element ? options.raw?.current ?? JSON.stringify(element.current) ?? "" : "",
    typeof element.timestamp === "string" ? element.timestamp : "",
  ];
}

/**
 * A cell a spreadsheet would run as a formula gets a leading `'` (OWASP's rule for CSV
 * injection: cells starting with `=`, `+`, `-`, `@`, tab or CR). D&B data is not trusted to be
 * inert: an element path or a type could read `=HYPERLINK(…)`. Among JSON values only negative
 * numbers start so. A value already of the form `'=…` gets its quote too, so the rule to read
 * back is exact: strip one leading `'` when what follows matches `'*[=+-@\t\r]`.
 */
export function formulaSafe(value: string): string {
  return /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Quotes a field when RFC 4180 requires it, doubling inner quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
