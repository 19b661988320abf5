import { createHash } from "node:crypto";
import type { FileFormat } from "../config/config.ts";
import { GZIP_EXTENSION } from "./compress.ts";
import { formatFor } from "./format.ts";
import type { Batch } from "./sink.ts";

/** How a sink lays out its files; the same for local folders and SFTP. */
export interface LayoutOptions {
  format: FileFormat;
  compress: boolean;
  /** `YYYY/MM/DD/` in front of the registration folder. */
  organizeByDate: boolean;
}

/** A batch whose pull time or sequence cannot name a file: the journal handed over bad data. */
export class BatchLayoutError extends Error {
  readonly code = "BATCH_LAYOUT_INVALID";
  readonly registration: string;

  constructor(registration: string, problem: string) {
    super(
      `registration ${registration}: cannot name the batch file: ${problem} ` +
        "(the journaled batch is corrupt; report it with the journal entry)",
    );
    this.name = "BatchLayoutError";
    this.registration = registration;
  }
}

/**
 * The batch's file path relative to the sink's base, with `/` separators:
 * `YYYY/MM/DD/<registration>/notifications_YYYYMMDD_HHMMSS_<seq>.<ext>[.gz]`. Everything comes
 * from journaled values (pull time in UTC, sequence), so every re-delivery names the same file.
 */
export function batchFilePath(batch: Batch, options: LayoutOptions): string {
  const pulled = new Date(batch.pulledAt);
  if (Number.isNaN(pulled.getTime())) {
    throw new BatchLayoutError(batch.registration, `pulledAt "${batch.pulledAt}" is not a time`);
  }
  if (!Number.isSafeInteger(batch.sequence) || batch.sequence < 0) {
    throw new BatchLayoutError(
      batch.registration,
      `sequence ${batch.sequence} is not a whole number`,
    );
  }
  const year = String(pulled.getUTCFullYear()).padStart(4, "0");
  const month = two(pulled.getUTCMonth() + 1);
  const day = two(pulled.getUTCDate());
  const time = two(pulled.getUTCHours()) + two(pulled.getUTCMinutes()) +
    two(pulled.getUTCSeconds());
  const sequence = String(batch.sequence).padStart(3, "0");
  const extension = formatFor(options.format).extension +
    (options.compress ? `.${GZIP_EXTENSION}` : "");
  const file = `notifications_${year}${month}${day}_${time}_${sequence}.${extension}`;
  const folder = safeSegment(batch.registration);
  return options.organizeByDate ? `${year}/${month}/${day}/${folder}/${file}` : `${folder}/${file}`;
}

/**
 * One path segment that stays where it is put, and that no other name shares. Anything outside
 * `[A-Za-z0-9._-]` (separators, NUL, non-ASCII) becomes `_`; `.`, `..` and the empty name become
 * `_`; a name longer than 100 characters is cut. Registration references come from config and
 * the API, so they must never climb out of the base — and `a/b`, `a\b` and `a_b` must not share
 * a folder, or their batches of one second overwrite each other. So whenever the name had to be
 * changed, `~` and a hash of the original follow: a name that needs no change never contains `~`.
 */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, "_");
  const readable = cleaned === "" || cleaned === "." || cleaned === ".."
    ? "_"
    : cleaned.slice(0, MAX_READABLE);
  if (readable === name) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 12);
  return `${readable}~${hash}`;
}

/** Keeps a folder name well inside the 255 bytes file systems allow. */
const MAX_READABLE = 100;

function two(value: number): string {
  return String(value).padStart(2, "0");
}
