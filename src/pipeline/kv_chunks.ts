/**
 * Deno KV holds at most 64 KiB per value. Text that may be larger (a full-product SEED
 * notification) is stored as UTF-8 parts of at most this many bytes.
 */
export const MAX_PART_BYTES = 60_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function splitIntoParts(text: string, maxBytes = MAX_PART_BYTES): Uint8Array[] {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return [bytes];
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += maxBytes) parts.push(bytes.slice(at, at + maxBytes));
  return parts;
}

/** Joins parts split by `splitIntoParts`; a character cut between two parts is whole again. */
export function joinParts(parts: Uint8Array[]): string {
  if (parts.length === 1) return decoder.decode(parts[0]);
  const total = parts.reduce((n, part) => n + part.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return decoder.decode(joined);
}
