import type { NotificationElement } from "../model/payload.ts";
import type { BatchFormat } from "./batch_format.ts";
import { type RawElement, rawNotification } from "./raw_notification.ts";
import type { Batch, JournaledNotification } from "./sink.ts";

/**
 * XML 1.0, one `<notification>` per notification and one `<element>` per change:
 *
 * ```xml
 * <notifications registration=".." sequence=".." pulled_at=".." count="..">
 *   <notification id=".." type=".." duns=".." delivery_timestamp="..">
 *     <element position="0" path=".." timestamp=".."><previous>JSON</previous><current>JSON</current></element>
 *     <raw_json><![CDATA[the notification exactly as D&B sent it]]></raw_json>
 * ```
 *
 * `raw_json` carries D&B's notification whole (design.md invariant 7): the full `organization`,
 * every field we do not model, numbers as spelled. It is raw JSON in CDATA rather than one XML
 * element per field, because JSON's types, key order and number spellings have no lossless
 * mapping to XML. Two spellings change, neither a value: a `]]>` inside a string is split across
 * two CDATA sections, and the characters XML 1.0 cannot hold at all (U+FFFE, U+FFFF, a lone
 * surrogate) are written as JSON `\u` escapes of the same characters.
 *
 * The attributes and elements above are the readable index of that content. `previous`/`current`
 * hold the value as D&B wrote it, JSON text (an absent key gives no child; `null` gives
 * `<previous>null</previous>`), escaped the same way. The same forbidden characters in a plain
 * string attribute (a type or path, which D&B never sends) become U+FFFD, since XML has no escape
 * for them. Tab, CR and LF in attributes are character references, which survive the attribute
 * normalisation every XML parser applies.
 */
export const xmlFormat: BatchFormat = {
  extension: "xml",
  encode(batch: Batch): Uint8Array {
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
    lines.push(
      `<notifications${
        attributes({
          registration: batch.registration,
          sequence: String(batch.sequence),
          pulled_at: batch.pulledAt,
          count: String(batch.notifications.length),
        })
      }>`,
    );
    for (const entry of batch.notifications) lines.push(...notificationLines(entry));
    lines.push("</notifications>");
    return new TextEncoder().encode(lines.join("\n") + "\n");
  },
};

function notificationLines(entry: JournaledNotification): string[] {
  const { id, notification } = entry;
  const open = `  <notification${
    attributes({
      id,
      type: notification.type,
      duns: notification.organization.duns,
      delivery_timestamp: notification.deliveryTimeStamp,
    })
  }`;
  const raw = rawNotification(entry);
  const elements = notification.elements ?? [];
  return [
    open + ">",
    ...elements.map((element, position) =>
      "    " + elementXml(element, { position, raw: raw.elements[position] })
    ),
    `    <raw_json>${cdata(xmlSafeJson(entry.raw))}</raw_json>`,
    "  </notification>",
  ];
}

function elementXml(
  element: NotificationElement,
  options: { position: number; raw: RawElement | undefined },
): string {
  const attrs: Record<string, string> = {
    position: String(options.position),
    path: element.element,
  };
  if (typeof element.timestamp === "string") attrs.timestamp = element.timestamp;
  const text = (written: string | undefined, value: unknown) =>
    escapeXml(xmlSafeJson(written ?? JSON.stringify(value) ?? "null"));
  let children = "";
  if ("previous" in element) {
    children += `<previous>${text(options.raw?.previous, element.previous)}</previous>`;
  }
  if ("current" in element) {
    children += `<current>${text(options.raw?.current, element.current)}</current>`;
  }
  return children === ""
    ? `<element${attributes(attrs)}/>`
    : `<element${attributes(attrs)}>${children}</element>`;
}

/**
 * JSON text XML can hold. Valid JSON has no raw control character (strings escape them), so the
 * only characters XML 1.0 forbids that can remain are U+FFFE, U+FFFF and lone surrogates, which
 * can only stand inside a string: there a `\u` escape is the same character.
 */
function xmlSafeJson(json: string): string {
  return json.replace(
    FORBIDDEN,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * CDATA holds anything but `]]>`, which is split over two sections. A CR would be read back as
 * LF (XML normalises line ends, inside CDATA too), so it goes between sections as `&#13;`.
 */
function cdata(text: string): string {
  const escaped = text.replaceAll("]]>", "]]]]><![CDATA[>").replaceAll("\r", "]]>&#13;<![CDATA[");
  return `<![CDATA[${escaped}]]>`;
}

function attributes(values: Record<string, string>): string {
  return Object.entries(values).map(([name, value]) => ` ${name}="${escapeXml(value)}"`).join("");
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

// Characters XML 1.0 forbids even as references: C0 controls other than tab/LF/CR, lone
// surrogates, U+FFFE and U+FFFF. Matching control characters is the point here.
const FORBIDDEN = new RegExp(
  "[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]" +
    "|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]",
  "g",
);

/** Text safe in both element content and a double- or single-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, "\uFFFD").replace(/[&<>"'\t\n\r]/g, (char) => ESCAPES[char]);
}
