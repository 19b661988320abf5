import type { BatchFormat } from "./batch_format.ts";
import type { Batch } from "./sink.ts";

/**
 * One notification per line, its JSON exactly as D&B sent it (D&B's own push format), so number
 * spellings such as `3.0251016094E8` and fields we do not model survive. A raw text spanning
 * several lines would break the one-line rule, so its white space is dropped; that touches only
 * white space between tokens, never a value.
 */
export const ndjsonFormat: BatchFormat = {
  extension: "ndjson",
  encode(batch: Batch): Uint8Array {
    const lines = batch.notifications.map((entry) => oneLine(entry.raw));
    return new TextEncoder().encode(lines.map((line) => line + "\n").join(""));
  },
};

function oneLine(raw: string): string {
  return /[\r\n]/.test(raw) ? compactJson(raw) : raw;
}

/**
 * `text` without white space outside strings. JSON strings cannot hold a raw line break, so every
 * CR or LF in valid JSON is such white space; JSON never needs white space to separate tokens.
 */
export function compactJson(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      out += char;
      if (char === "\\") out += text[++i] ?? "";
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char !== " " && char !== "\t" && char !== "\n" && char !== "\r") {
      out += char;
    }
  }
  return out;
}
