import { SinkRejectedError } from "./sink.ts";

/**
 * `outage`: the destination cannot take anything right now (down, full, timing out); waiting
 * fixes it, so the batch is kept and retried for as long as it takes, never dead-lettered.
 * `refusal`: the destination answered, and this batch will never be taken as it is (a name too
 * long, bytes it cannot hold, no permission on that path, a 4xx): after
 * `pipeline.dead_letter_after` attempts it goes to that sink's dead letters, so it stops
 * holding the registration back.
 */
export type SinkErrorKind = "outage" | "refusal";

/** One row of the table: what an error looks like, what it is, and why. */
export interface SinkErrorRule {
  kind: SinkErrorKind;
  /** What the row matches, for docs and tests. */
  matches: string;
  why: string;
  test(error: unknown): boolean;
}

const REFUSING_OS_CODES: Readonly<Record<string, string>> = {
  ENAMETOOLONG: "a file name or path too long for the file system",
  EILSEQ: "bytes the file system cannot hold in a name",
  EACCES: "permission denied on that path",
  EPERM: "the operation is not permitted on that path",
};

/**
 * HTTP statuses of a remote store that mean "try again", although they are 4xx. 401 and 403
 * are here too: expired or revoked credentials refuse every batch alike, and an operator fixes
 * them, so the batches wait instead of all going to the dead letters.
 */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([401, 403, 408, 409, 423, 425, 429]);

/**
 * Which sink errors are outages and which are refusals: the one table the dispatcher reads.
 * The first matching row wins; an error no row matches is an outage, the safe default (it
 * waits instead of dropping). Rows look through `cause` chains, since sinks wrap what the OS or
 * a server said in errors of their own.
 */
export const SINK_ERROR_TABLE: readonly SinkErrorRule[] = [
  {
    kind: "refusal",
    matches: "SinkRejectedError",
    why: "the sink said so: content it can never store (a NUL byte PostgreSQL refuses)",
    test: (error) => error instanceof SinkRejectedError,
  },
  ...Object.entries(REFUSING_OS_CODES).map(([code, why]): SinkErrorRule => ({
    kind: "refusal",
    matches: `OS error ${code}`,
    why,
    test: (error) => someCause(error, (e) => propertyOf(e, "code") === code),
  })),
  {
    kind: "refusal",
    matches: "SFTP status permission_denied",
    why: "the server refuses that path to this user",
    test: (error) =>
      someCause(
        error,
        (e) =>
          propertyOf(e, "code") === "SFTP_STATUS" &&
          propertyOf(e, "status") === "permission_denied",
      ),
  },
  {
    kind: "refusal",
    matches: "HTTP 4xx from a remote store (not 401, 403, 408, 409, 423, 425, 429)",
    why: "the store answered that this request is wrong, not that it is busy",
    test: (error) =>
      someCause(error, (e) => {
        const status = propertyOf(e, "httpStatus");
        return typeof status === "number" && status >= 400 && status < 500 &&
          !RETRYABLE_4XX.has(status);
      }),
  },
];

/** The row an error falls under, or null for an outage no row names. */
export function sinkErrorRule(error: unknown): SinkErrorRule | null {
  return SINK_ERROR_TABLE.find((rule) => rule.test(error)) ?? null;
}

export function sinkErrorKind(error: unknown): SinkErrorKind {
  return sinkErrorRule(error)?.kind ?? "outage";
}

/**
 * A refusal as `SinkRejectedError`: itself when it is one, else every notification of the batch
 * refused for the error's reason (a file that cannot be named holds them all). Null for an
 * outage.
 */
export function asRejection(
  error: unknown,
  options: { sink: string; ids: readonly string[] },
): SinkRejectedError | null {
  if (error instanceof SinkRejectedError) return error;
  const rule = sinkErrorRule(error);
  if (rule?.kind !== "refusal") return null;
  const message = error instanceof Error ? error.message : String(error);
  const reason = `${rule.why}: ${message}`;
  return new SinkRejectedError(options.sink, options.ids.map((id) => ({ id, reason })));
}

const MAX_CAUSE_DEPTH = 8;

function someCause(error: unknown, test: (error: unknown) => boolean): boolean {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current != null; depth++) {
    if (test(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function propertyOf(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}
