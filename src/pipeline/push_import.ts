import { completeLine, lineDefaults, parsePushFileName, type PushFileName } from "./push_file.ts";
import type { ProcessResult } from "./service.ts";
import type { UnreadableLine } from "./unreadable_line.ts";
import { fileSha256, zipLines } from "./zip_lines.ts";

/** Where the lines go: `MonitoringService.processNotifications`. */
export interface PushImportTarget {
  processNotifications(
    notifications: (string | UnreadableLine)[],
    options: { registration: string; source: "push_file" },
  ): Promise<ProcessResult>;
}

export interface PushImportOptions {
  /** Where the lines are journaled: the service. */
  target: PushImportTarget;
  /** Lines per journal batch (`monitoring.notification_batch_size`). */
  batchSize: number;
  /** Journal under this reference instead of the one in the file name. */
  registration?: string;
  /** The SHA-256 (lower-case hex) a header gives for the file; absent: no check. */
  expectedSha256?: string | null;
  /** An entry of the zip that is not a `.txt` and was skipped. */
  onSkippedEntry?(name: string): void;
  /** After each batch: a part of 3 GB takes a while. */
  onProgress?(sofar: PushImportResult): void;
}

/** What importing one part did; on `error`, what was journaled before it stays journaled. */
export interface PushImportResult {
  path: string;
  /** Null when the name could not be read. */
  name: PushFileName | null;
  registration: string | null;
  lines: number;
  journaled: number;
  duplicates: number;
  deadLettered: number;
  /** The first and last batch journaled from the file; null when none was new. */
  batches: { first: number; last: number } | null;
  error: Error | null;
}

/** The zip is not the one its header describes (the message starts with its path). */
export class PushFileHashError extends Error {
  readonly code = "PUSH_FILE_HASH";
  readonly expected: string;
  readonly actual: string;

  constructor(path: string, hashes: { expected: string; actual: string }) {
    super(
      `${JSON.stringify(path)}: SHA-256 is ${hashes.actual}, its header says ` +
        `${hashes.expected}; nothing of it was journaled; fetch the file again from D&B`,
    );
    this.name = "PushFileHashError";
    this.expected = hashes.expected;
    this.actual = hashes.actual;
  }
}

/**
 * Journals the lines of one push zip, `batchSize` at a time, as pulled notifications are: each
 * completed (`completeLine`) and validated, invalid ones dead-lettered with their bytes.
 * Importing a file again journals nothing new, its lines' ids being those of the first time.
 *
 * With a header's hash the whole file is hashed first, in a pass of its own: the lines stream
 * into the journal, so a mismatch found at the end would come too late to refuse the file.
 */
export async function importPushFile(
  path: string,
  options: PushImportOptions,
): Promise<PushImportResult> {
  const { target } = options;
  const result: PushImportResult = {
    path,
    name: null,
    registration: null,
    lines: 0,
    journaled: 0,
    duplicates: 0,
    deadLettered: 0,
    batches: null,
    error: null,
  };
  try {
    const name = parsePushFileName(path);
    result.name = name;
    const registration = options.registration ?? name.reference;
    result.registration = registration;
    if (options.expectedSha256) {
      const expected = options.expectedSha256.toLowerCase();
      const actual = await fileSha256(path);
      if (actual !== expected) throw new PushFileHashError(path, { expected, actual });
    }
    const defaults = lineDefaults(name);
    const journal = async (lines: (string | UnreadableLine)[]): Promise<void> => {
      const outcome = await target.processNotifications(lines, {
        registration,
        source: "push_file",
      });
      result.journaled += outcome.journaled;
      result.duplicates += outcome.duplicates;
      result.deadLettered += outcome.deadLettered;
      if (outcome.sequences.length > 0) {
        result.batches = {
          first: result.batches?.first ?? outcome.sequences[0],
          last: outcome.sequences[outcome.sequences.length - 1],
        };
      }
      options.onProgress?.(result);
    };
    let batch: (string | UnreadableLine)[] = [];
    let failure: unknown = null;
    try {
      for await (const line of zipLines(path, { onSkippedEntry: options.onSkippedEntry })) {
        result.lines++;
        batch.push(typeof line === "string" ? completeLine(line, defaults) : line);
        if (batch.length >= options.batchSize) {
          const full = batch;
          batch = [];
          await journal(full);
        }
      }
    } catch (error) {
      failure = error;
    }
    // Lines read whole before a broken entry are as good as any; after a failed journal write
    // none is left waiting.
    if (batch.length > 0) await journal(batch);
    if (failure !== null) throw failure;
  } catch (error) {
    result.error = error instanceof Error ? error : new Error(String(error));
  }
  return result;
}
