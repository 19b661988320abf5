import { UnreadableLine } from "./unreadable_line.ts";
import { createHash } from "node:crypto";
import { Unzip, type UnzipFile, UnzipInflate } from "fflate";

/**
 * The bytes of a D&B push zip: their SHA-256, and the lines of the text inside, both read as a
 * stream. Push zips reach 3 GB (dnb-direct-plus.md §6), so neither the file nor its lines are
 * ever held whole. The only file that imports `fflate`.
 */

/** A file that cannot be read, or is no zip this reader can expand (the message starts with it). */
export class ZipReadError extends Error {
  readonly code = "ZIP_UNREADABLE";
  readonly path: string;

  constructor(path: string, problem: string, options: { cause?: unknown } = {}) {
    super(
      `${JSON.stringify(path)}: ${problem}; fetch the file again from D&B (a transfer may have ` +
        "been cut short)",
      { cause: options.cause },
    );
    this.name = "ZipReadError";
    this.path = path;
  }
}

/** Hex SHA-256 of the file's bytes, as a push header's `files[].hash` gives it. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new ZipReadError(path, `cannot open: ${(error as Error).message}`, { cause: error });
  }
  try {
    // The readable closes the file when it ends, fails or is left.
    for await (const chunk of file.readable) hash.update(chunk);
  } catch (error) {
    throw new ZipReadError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  return hash.digest("hex");
}

export interface ZipLinesOptions {
  /** Called for an entry that is not a `.txt` (its bytes are skipped, never buffered). */
  onSkippedEntry?(name: string): void;
}

/** One `.txt` entry being expanded: its line in progress and whether the entry ended. */
interface EntryState {
  name: string;
  partial: Uint8Array[];
  /** Bytes held in `partial`; past `MAX_LINE_BYTES` the rest of the line is dropped. */
  partialBytes: number;
  ended: boolean;
}

const STEP_BYTES = 16 * 1024;
/**
 * The most of one line kept: twice the largest notification validation accepts, so an
 * overlong line still reaches the dead letters as "too large" (with its first 2 MiB), while an
 * entry without line breaks cannot expand gigabytes into memory.
 */
const MAX_LINE_BYTES = 2 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The lines of every `.txt` entry of the zip at `path`, in order, as they are expanded: a line
 * split across chunks is joined, a CRLF ending is taken as LF, blank lines are left out. Each
 * line is decoded as UTF-8 on its own, so a character is never cut in two.
 *
 * Throws `ZipReadError` for a file that cannot be read, holds no `.txt`, ends inside an entry
 * or whose compressed data is broken; lines already yielded stay yielded.
 */
export async function* zipLines(
  path: string,
  options: ZipLinesOptions = {},
): AsyncGenerator<string | UnreadableLine, void, undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new ZipReadError(path, `cannot open: ${(error as Error).message}`, { cause: error });
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const lenient = new TextDecoder("utf-8");
  const entries: EntryState[] = [];
  let failure: { problem: string; cause: unknown } | null = null;
  // fflate calls back synchronously inside `push`; the lines wait here until they are yielded.
  let ready: (string | UnreadableLine)[] = [];

  const take = (state: EntryState, bytes: Uint8Array, final: boolean): void => {
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(NEWLINE, start);
      if (end < 0) break;
      keep(state, bytes.subarray(start, end));
      emit(state);
      start = end + 1;
    }
    // fflate may reuse its output buffer: a kept remainder must be a copy.
    if (start < bytes.length) keep(state, bytes.slice(start));
    if (final) {
      emit(state);
      state.ended = true;
    }
  };
  const keep = (state: EntryState, bytes: Uint8Array): void => {
    const room = MAX_LINE_BYTES - state.partialBytes;
    if (room <= 0) return;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    state.partial.push(kept);
    state.partialBytes += kept.length;
  };
  const emit = (state: EntryState): void => {
    const parts = state.partial;
    state.partial = [];
    state.partialBytes = 0;
    let line = parts.length === 1 ? parts[0] : concat(parts);
    if (line.at(-1) === CARRIAGE_RETURN) line = line.subarray(0, -1);
    if (isBlank(line)) return;
    try {
      ready.push(decoder.decode(line));
    } catch {
      ready.push(
        new UnreadableLine(
          lenient.decode(line),
          `not valid UTF-8 at byte ${firstInvalidByte(line)} of the line ` +
            "(the raw JSON shows each bad byte as U+FFFD)",
        ),
      );
    }
  };

  const unzip = new Unzip((entry: UnzipFile) => {
    if (failure) return;
    if (entry.name.endsWith("/")) {
      entry.ondata = () => {};
      entry.start();
      return;
    }
    if (!entry.name.toLowerCase().endsWith(".txt")) {
      options.onSkippedEntry?.(entry.name);
      // Started, not ignored: an entry nobody starts is buffered whole by fflate.
      entry.ondata = () => {};
      entry.start();
      return;
    }
    const state: EntryState = { name: entry.name, partial: [], partialBytes: 0, ended: false };
    entries.push(state);
    entry.ondata = (error, data, final) => {
      if (error) {
        failure ??= { problem: `entry ${JSON.stringify(entry.name)} is broken`, cause: error };
        return;
      }
      if (failure) return;
      take(state, data, final);
    };
    entry.start();
  });
  unzip.register(UnzipInflate);

  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      unzip.push(chunk, final);
    } catch (error) {
      // At the end fflate only complains about an entry still expecting bytes.
      const problem = final ? "ends inside an entry, cut short" : "not a readable zip";
      failure ??= { problem, cause: error };
    }
    if (failure) {
      const { problem, cause } = failure;
      throw new ZipReadError(path, `${problem} (${(cause as Error).message ?? cause})`, {
        cause,
      });
    }
  };

  try {
    for await (const chunk of file.readable) {
      // Small steps bound what one step expands to (deflate reaches ~1000:1), and so the lines
      // waiting to be yielded.
      for (let at = 0; at < chunk.length; at += STEP_BYTES) {
        push(chunk.subarray(at, at + STEP_BYTES), false);
        if (ready.length > 0) {
          const lines = ready;
          ready = [];
          yield* lines;
        }
      }
    }
  } catch (error) {
    if (error instanceof ZipReadError) throw error;
    throw new ZipReadError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  push(new Uint8Array(0), true);
  yield* ready;
  if (entries.length === 0) {
    throw new ZipReadError(path, "holds no .txt entry (is it a zip of D&B notifications?)");
  }
  const cut = entries.find((entry) => !entry.ended);
  if (cut) throw new ZipReadError(path, `ends inside entry ${JSON.stringify(cut.name)}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** Only spaces, tabs and carriage returns (or nothing): no notification, nothing to report. */
function isBlank(line: Uint8Array): boolean {
  for (const byte of line) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== CARRIAGE_RETURN) return false;
  }
  return true;
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let good = 0;
  let bad = bytes.length;
  // The longest prefix that decodes, by halving. Streaming mode takes a sequence cut at the
  // end of a prefix as unfinished rather than wrong, so a prefix fails only once it holds a bad
  // byte, and the search is sound.
  while (bad - good > 1) {
    const middle = (good + bad) >> 1;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      good = middle;
    } catch {
      bad = middle;
    }
  }
  return good;
}
