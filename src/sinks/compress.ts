import { gzipSync } from "node:zlib";

/** Appended to a compressed file's name, after the format's own extension. */
export const GZIP_EXTENSION = "gz";

// Byte 9 of a gzip header names the operating system; zlib writes the build's own. "Unknown"
// makes the same batch compress to the same bytes on every platform.
const OS_BYTE = 9;
const OS_UNKNOWN = 255;
// zlib's default, pinned so a change of default cannot change the bytes of a re-delivery.
const LEVEL = 6;

/**
 * Gzip with a fixed header (mtime 0, OS unknown, no file name) and fixed level, so re-delivering
 * a batch rewrites byte-identical files.
 */
export function gzipBytes(bytes: Uint8Array): Uint8Array {
  const compressed = new Uint8Array(gzipSync(bytes, { level: LEVEL }));
  compressed[OS_BYTE] = OS_UNKNOWN;
  return compressed;
}
