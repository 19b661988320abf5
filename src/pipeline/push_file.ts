/**
 * D&B push files (dnb-direct-plus.md §3.5, §6), without I/O: what a part's name says, what a
 * header file lists, and how a line is completed into a notification the pipeline accepts.
 */

/** The kinds of push file that carry notifications; Exceptions and DunsExport files do not. */
export const PUSH_FILE_KINDS = ["SEEDFILE", "NOTIFICATION"] as const;
export type PushFileKind = typeof PUSH_FILE_KINDS[number];

/** What the name of a part (`<REFERENCE>_<YYYYMMDDHHMMSS>_<KIND>_<N>.zip`) says. */
export interface PushFileName {
  /** The registration reference; it may contain underscores itself. */
  reference: string;
  /** The name's `YYYYMMDDHHMMSS` (UTC) as ISO-8601 with milliseconds. */
  time: string;
  kind: PushFileKind;
  /** `N`: D&B splits output larger than 3 GB compressed into several parts. */
  part: number;
}

/** A file name D&B would not give a notification part (the message starts with the name). */
export class PushFileNameError extends Error {
  readonly code = "PUSH_FILE_NAME";
  readonly fileName: string;

  constructor(fileName: string, problem: string) {
    super(
      `${JSON.stringify(fileName)}: ${problem}; D&B names notification parts ` +
        "<REFERENCE>_<YYYYMMDDHHMMSS>_SEEDFILE_<N>.zip or …_NOTIFICATION_<N>.zip: import the " +
        "file under the name D&B gave it",
    );
    this.name = "PushFileNameError";
    this.fileName = fileName;
  }
}

// Greedy reference: the underscores it may contain are left of the last three fields.
const PART_NAME = /^(.+)_(\d{14})_(SEEDFILE|NOTIFICATION)_(\d+)\.zip$/;
const ANY_KIND = /^(.+)_(\d{14})_([A-Za-z]+)_(\d+|HEADER)\.([A-Za-z]+)$/;

/** Parses a part's name; a path is allowed and only its last segment is read. */
export function parsePushFileName(name: string): PushFileName {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const match = PART_NAME.exec(base);
  if (!match) throw new PushFileNameError(name, nameProblem(base));
  const [, reference, stamp, kind, part] = match;
  const time = stampTime(stamp);
  if (time === null) {
    throw new PushFileNameError(name, `${stamp} is no UTC time (YYYYMMDDHHMMSS)`);
  }
  const number = Number(part);
  if (!Number.isSafeInteger(number)) {
    throw new PushFileNameError(name, `part number ${part} is out of range`);
  }
  return { reference, time, kind: kind as PushFileKind, part: number };
}

function nameProblem(base: string): string {
  const other = ANY_KIND.exec(base);
  if (other && other[4] === "HEADER") {
    return "this is a header file, not a part; give it on the command line as a .json file";
  }
  if (other && !(PUSH_FILE_KINDS as readonly string[]).includes(other[3])) {
    return `${other[3]} files carry no notifications`;
  }
  if (other && other[5] !== "zip") return `expected the .zip that D&B delivered, not .${other[5]}`;
  return "the name does not match";
}

/** `YYYYMMDDHHMMSS` (UTC) as ISO-8601 with milliseconds, or null when no such moment exists. */
function stampTime(stamp: string): string | null {
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    Number(stamp.slice(at, i === 0 ? 4 : at + 2))
  );
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // Date rolls 2017-02-30 over into March: a moment that does not exist does not round-trip.
  const roundTrip = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day && date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
  return roundTrip ? date.toISOString() : null;
}

/** One part a header lists, with the SHA-256 of its bytes (lower-case hex). */
export interface PushHeaderFile {
  name: string;
  hash: string;
}

/** A header file's `fileHeader`, the members this service uses. */
export interface PushFileHeader {
  /** `SEEDFILE`; for notification files probably `NOTIFICATION` (not documented). */
  headerType: string;
  reference: string;
  fileId: string | null;
  totalRecordCount: number | null;
  fileTimeStamp: string | null;
  files: PushHeaderFile[];
}

/** A header file that is not what D&B delivers (the message starts with its name). */
export class PushHeaderError extends Error {
  readonly code = "PUSH_HEADER";
  readonly source: string;
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(
      `${JSON.stringify(source)}: ${problems.join("; ")}; give the header file as D&B ` +
        "delivered it, or leave it out to import its parts without a hash check",
    );
    this.name = "PushHeaderError";
    this.source = source;
    this.problems = problems;
  }
}

/** Parses and checks a header file's text; `source` names it in errors. */
export function parsePushFileHeader(text: string, options: { source: string }): PushFileHeader {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new PushHeaderError(options.source, [`not JSON: ${(error as Error).message}`]);
  }
  const header = isRecord(root) ? root.fileHeader : undefined;
  if (!isRecord(header)) {
    throw new PushHeaderError(options.source, [
      `fileHeader: expected an object, got ${kindOf(header)}`,
    ]);
  }
  const problems: string[] = [];
  const stringMember = (name: string, required: boolean): string | null => {
    const value = header[name];
    if (typeof value === "string" && value !== "") return value;
    if (value === undefined && !required) return null;
    problems.push(`fileHeader.${name}: expected a non-empty string, got ${kindOf(value)}`);
    return null;
  };
  const headerType = stringMember("headerType", true);
  const reference = stringMember("reference", true);
  const fileId = stringMember("fileId", false);
  const fileTimeStamp = stringMember("fileTimeStamp", false);
  const count = header.totalRecordCount;
  if (count !== undefined && !(Number.isSafeInteger(count) && (count as number) >= 0)) {
    problems.push(`fileHeader.totalRecordCount: expected a count, got ${kindOf(count)}`);
  }
  const files: PushHeaderFile[] = [];
  if (!Array.isArray(header.files)) {
    problems.push(`fileHeader.files: expected an array, got ${kindOf(header.files)}`);
  } else {
    for (const [i, file] of (header.files as unknown[]).entries()) {
      const where = `fileHeader.files[${i}]`;
      if (!isRecord(file)) {
        problems.push(`${where}: expected an object, got ${kindOf(file)}`);
        continue;
      }
      const { name, hash } = file;
      if (typeof name !== "string" || name === "") {
        problems.push(`${where}.name: expected a file name, got ${kindOf(name)}`);
      }
      if (typeof hash !== "string" || !/^[0-9a-fA-F]{64}$/.test(hash)) {
        problems.push(`${where}.hash: expected a SHA-256 in 64 hex digits, got ${kindOf(hash)}`);
      }
      if (typeof name === "string" && typeof hash === "string") {
        files.push({ name, hash: hash.toLowerCase() });
      }
    }
  }
  if (problems.length > 0) throw new PushHeaderError(options.source, problems);
  return {
    headerType: headerType!,
    reference: reference!,
    fileId,
    totalRecordCount: typeof count === "number" ? count : null,
    fileTimeStamp,
    files,
  };
}

/** The members a push line may lack, and the values the file supplies for them. */
export interface LineDefaults {
  /** Supplied only when given: a seed file's lines are SEEDs, a notification file's unknown. */
  type?: string;
  deliveryTimeStamp: string;
}

/**
 * What a part's lines lack: push lines carry no `deliveryTimeStamp` (the file name has the
 * time), and a seed file's often no `type`. A notification line without `type` stays without,
 * so validation dead-letters it instead of guessing.
 */
export function lineDefaults(name: PushFileName): LineDefaults {
  return name.kind === "SEEDFILE"
    ? { type: "SEED", deliveryTimeStamp: name.time }
    : { deliveryTimeStamp: name.time };
}

/**
 * The line's JSON text with the missing members spliced in first (`{"type":"SEED",
 * "deliveryTimeStamp":"…",` and then the line's own members). The line's bytes are kept as
 * they are, never parsed and stringified again: numbers such as `3.0251016094E8` keep their
 * spelling (design.md invariant 7). A line that is not a JSON object is returned unchanged, for
 * validation to dead-letter with its raw bytes.
 */
export function completeLine(line: string, defaults: LineDefaults): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return line;
  }
  if (!isRecord(value)) return line;
  const added: string[] = [];
  if (defaults.type !== undefined && !Object.hasOwn(value, "type")) {
    added.push(`"type":${JSON.stringify(defaults.type)}`);
  }
  if (!Object.hasOwn(value, "deliveryTimeStamp")) {
    added.push(`"deliveryTimeStamp":${JSON.stringify(defaults.deliveryTimeStamp)}`);
  }
  if (added.length === 0) return line;
  // The line parsed as an object, so its first `{` opens the root and only white space precedes.
  const open = line.indexOf("{") + 1;
  const rest = line.slice(open);
  const empty = /^[ \t\r\n]*\}/.test(rest);
  return `${line.slice(0, open)}${added.join(",")}${empty ? "" : ","}${rest}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return value.length > 80 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
