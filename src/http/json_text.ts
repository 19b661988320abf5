/**
 * Stored JSON text as a person reads it, in D&B's spelling: `readableValue` parses and
 * stringifies, which turns `2.2171E7` into `22171000`; the company page shows what D&B sent.
 */
import { type ReadableValue, readableValue } from "./layout.tsx";

/**
 * JSON text without the white space between tokens; strings, numbers (`3.0251016094E8`) and
 * key order stay exactly as written, which a parse and stringify would not keep.
 */
export function compactJson(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end;
    } else if (!" \t\r\n".includes(char)) out += char;
  }
  return out;
}

/**
 * As `readableValue` (strings unquoted, JSON null as "—", a missing key as "(none)"), but
 * numbers, objects and arrays as D&B wrote them, compacted.
 */
export function spelledValue(json: string | null, options: { max?: number } = {}): ReadableValue {
  const read = readableValue(json, options);
  if (json === null || read.kind !== "value") return read;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return read;
  }
  if (typeof parsed === "string") return read;
  const full = compactJson(json.trim());
  const max = options.max ?? 100;
  const chars = Array.from(full);
  if (chars.length <= max) return { kind: "value", text: full, full, truncated: false };
  return { kind: "value", text: `${chars.slice(0, max - 1).join("")}…`, full, truncated: true };
}
