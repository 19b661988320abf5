import type { Batch } from "./sink.ts";

/** What an encoder may know beyond the batch itself. */
export interface FormatContext {
  /** Written into formats that carry metadata (`local_file`, `sftp`), as the original did. */
  storageType: string;
}

/**
 * Turns one batch into the bytes of one file. Encoders must be pure and deterministic: the same
 * batch always gives the same bytes, so a re-delivered batch rewrites an identical file.
 */
export interface BatchFormat {
  /** File name extension without the dot. */
  extension: string;
  encode(batch: Batch, context: FormatContext): Uint8Array;
}
