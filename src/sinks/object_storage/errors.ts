// Outages and configuration errors are both outages to the pipeline (no `httpStatus`, so
// `refusals.ts` never dead-letters around them): the batch stays journaled and is retried.
// `retryable` says whether waiting fixes it (a server coming back) or a person must (a bucket,
// a key, a region). Only `ObjectStorageRefusedError` carries `httpStatus`, for a request the
// store says is wrong as such (too large, a key it cannot hold).

/** Where the sink delivers, for messages: never a credential. */
export interface ObjectStorageTarget {
  endpoint: string;
  bucket: string;
  region: string;
  /** Not a secret: named in messages so the operator knows which key to check. */
  accessKeyId: string;
}

/** What the store answered, when it answered. */
export interface ObjectStorageAnswer {
  /** The HTTP status; null when no response arrived (network error, timeout). */
  status: number | null;
  /** The S3 error `<Code>`, e.g. `SlowDown`; null when the body held none. */
  s3Code: string | null;
}

function where(target: ObjectStorageTarget): string {
  return `bucket "${target.bucket}" at ${target.endpoint}`;
}

/** The store cannot be reached, timed out, or said it is busy or failing (5xx, 429, SlowDown). */
export class ObjectStorageUnavailableError extends Error {
  readonly code = "OBJECT_STORAGE_UNAVAILABLE";
  readonly retryable = true;
  readonly endpoint: string;
  readonly bucket: string;
  readonly status: number | null;
  readonly s3Code: string | null;

  constructor(
    target: ObjectStorageTarget,
    details: ObjectStorageAnswer & { reason: string },
    options?: ErrorOptions,
  ) {
    super(
      `object_storage: ${where(target)} is unavailable: ${details.reason} (the batch is kept ` +
        "and retried; check that the object store is up and reachable)",
      options,
    );
    this.name = "ObjectStorageUnavailableError";
    this.endpoint = target.endpoint;
    this.bucket = target.bucket;
    this.status = details.status;
    this.s3Code = details.s3Code;
  }
}

/** Stable codes of the configuration problems the store reports. */
export type ObjectStorageConfigurationCode =
  | "OBJECT_STORAGE_NO_SUCH_BUCKET"
  | "OBJECT_STORAGE_INVALID_BUCKET_NAME"
  | "OBJECT_STORAGE_ACCESS_DENIED"
  | "OBJECT_STORAGE_INVALID_CREDENTIALS"
  | "OBJECT_STORAGE_WRONG_REGION"
  | "OBJECT_STORAGE_REDIRECTED"
  | "OBJECT_STORAGE_CLOCK_SKEW"
  | "OBJECT_STORAGE_NOT_AN_OBJECT_STORE";

/**
 * The store answered, and what it said means the configuration is wrong: no such bucket, access
 * denied, unknown key or bad secret, wrong region or endpoint. Nothing a retry fixes until a
 * person changes the keys `settings` names; the batches wait for that.
 */
export class ObjectStorageConfigurationError extends Error {
  readonly code: ObjectStorageConfigurationCode;
  readonly retryable = false;
  readonly endpoint: string;
  readonly bucket: string;
  /** The configuration keys to fix, e.g. `object_storage.bucket`. */
  readonly settings: readonly string[];
  readonly status: number | null;
  readonly s3Code: string | null;

  constructor(
    target: ObjectStorageTarget,
    details: ObjectStorageAnswer & {
      code: ObjectStorageConfigurationCode;
      problem: string;
      advice: string;
      settings: string[];
    },
  ) {
    super(`object_storage: ${where(target)}: ${details.problem} — ${details.advice}`);
    this.name = "ObjectStorageConfigurationError";
    this.code = details.code;
    this.endpoint = target.endpoint;
    this.bucket = target.bucket;
    this.settings = details.settings;
    this.status = details.status;
    this.s3Code = details.s3Code;
  }
}

/**
 * The store refused this request as such (4xx: too large, a key it cannot hold, an argument it
 * rejects). `httpStatus` makes `refusals.ts` dead-letter the batch after
 * `pipeline.dead_letter_after` attempts, so it stops holding the registration back.
 */
export class ObjectStorageRefusedError extends Error {
  readonly code = "OBJECT_STORAGE_REFUSED";
  readonly retryable = false;
  readonly httpStatus: number;
  readonly s3Code: string | null;
  readonly key: string;

  constructor(
    target: ObjectStorageTarget,
    details: { key: string; reason: string; status: number; s3Code: string | null },
  ) {
    super(
      `object_storage: ${where(target)} refused ${details.key}: ${details.reason} (HTTP ` +
        `${details.status}; the batch goes to the dead letters after ` +
        "pipeline.dead_letter_after attempts)",
    );
    this.name = "ObjectStorageRefusedError";
    this.httpStatus = details.status;
    this.s3Code = details.s3Code;
    this.key = details.key;
  }
}

/** `deliver` after `close`: a wiring mistake in the program, not a storage problem. */
export class ObjectStorageSinkClosedError extends Error {
  readonly code = "OBJECT_STORAGE_SINK_CLOSED";
  readonly retryable = false;

  constructor() {
    super("object_storage: the sink was closed; create a new one to deliver again");
    this.name = "ObjectStorageSinkClosedError";
  }
}
