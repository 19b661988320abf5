import type { NotificationElement } from "../dnb/payload.ts";
import type { BatchFormat } from "./format.ts";
import type { Batch, JournaledNotification } from "./sink.ts";

/**
 * XML 1.0, one `<notification>` per notification and one `<element>` per change:
 *
 * ```xml
 * <notifications registration=".." sequence=".." pulled_at=".." count="..">
 *   <notification id=".." type=".." duns=".." delivery_timestamp="..">
 *     <element position="0" path=".." timestamp=".."><previous>JSON</previous><current>JSON</current></element>
 * ```
 *
 * `previous`/`current` hold the value as JSON text (an absent key gives no child; `null` gives
 * `<previous>null</previous>`), which keeps every value's type and lets JSON escape what XML 1.0
 * cannot carry at all, so values are lossless. The same control characters in a plain string
 * attribute (a type or path, which D&B never sends) become U+FFFD, since XML has no escape for
 * them. Tab, CR and LF in attributes are character references, which survive the attribute
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

function notificationLines({ id, notification }: JournaledNotification): string[] {
  const open = `  <notification${
    attributes({
      id,
      type: notification.type,
      duns: notification.organization.duns,
      delivery_timestamp: notification.deliveryTimeStamp,
    })
  }`;
  const elements = notification.elements ?? [];
  if (elements.length === 0) return [open + "/>"];
  return [
    open + ">",
    ...elements.map((element, position) => "    " + elementXml(element, position)),
    "  </notification>",
  ];
}

function elementXml(element: NotificationElement, position: number): string {
  const attrs: Record<string, string> = { position: String(position), path: element.element };
  if (typeof element.timestamp === "string") attrs.timestamp = element.timestamp;
  let children = "";
  if ("previous" in element) children += `<previous>${jsonText(element.previous)}</previous>`;
  if ("current" in element) children += `<current>${jsonText(element.current)}</current>`;
  return children === ""
    ? `<element${attributes(attrs)}/>`
    : `<element${attributes(attrs)}>${children}</element>`;
}

/**
 * JSON already escapes control characters and lone surrogates; U+FFFE and U+FFFF are legal JSON
 * but not XML, so they are escaped too. What remains needs only markup escaping.
 */
function jsonText(value: unknown): string {
  const json = (JSON.stringify(value) ?? "null").replace(
    /[\uFFFE\uFFFF]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16)}`,
  );
  return escapeXml(json);
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
