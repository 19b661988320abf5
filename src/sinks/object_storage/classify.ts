import { maskKnownSecrets } from "../../model/secret.ts";
import {
  type ObjectStorageAnswer,
  type ObjectStorageConfigurationCode,
  ObjectStorageConfigurationError,
  ObjectStorageRefusedError,
  type ObjectStorageTarget,
  ObjectStorageUnavailableError,
} from "./errors.ts";

/** What an S3 error body says: `<Error><Code>…</Code><Message>…</Message></Error>`. */
export interface S3ErrorBody {
  code: string | null;
  message: string | null;
}

// The body is a few fields of XML; two regexes read them without a parser.
const CODE = /<Code>([^<]{1,100})<\/Code>/;
const MESSAGE = /<Message>([^<]{0,500})<\/Message>/;

export function parseS3Error(body: string): S3ErrorBody {
  return {
    code: CODE.exec(body)?.[1].trim() ?? null,
    message: MESSAGE.exec(body)?.[1].trim().replace(/&quot;/g, '"').replace(/&apos;/g, "'")
      .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&") ?? null,
  };
}

/** Error codes that mean "busy or failing, try again", whatever the status says. */
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  "SlowDown",
  "RequestTimeout",
  "InternalError",
  "ServiceUnavailable",
  "Throttling",
  "ThrottlingException",
  "TooManyRequests",
  // The body arrived different from what was sent (Content-MD5, x-amz-content-sha256): resend.
  "BadDigest",
  "InvalidDigest",
  "XAmzContentSHA256Mismatch",
  "IncompleteBody",
  "OperationAborted",
]);

/** The answer of a request that got one, as the sink's error; null when it succeeded. */
export function responseError(
  target: ObjectStorageTarget,
  response: { status: number; headers: Headers; body: string },
  request: { key: string | null },
): Error | null {
  const { status } = response;
  if (status >= 200 && status < 300) return null;
  const parsed = parseS3Error(response.body);
  const s3Code = parsed.code ?? response.headers.get("x-amz-error-code");
  const answer: ObjectStorageAnswer = { status, s3Code };
  // Server text can echo what was sent; no secret goes into a message.
  const said = maskKnownSecrets(
    [s3Code, parsed.message].filter((part) => part !== null).join(": ") || `HTTP ${status}`,
  );
  const configuration = (
    code: ObjectStorageConfigurationCode,
    problem: string,
    advice: string,
    settings: string[],
  ) =>
    new ObjectStorageConfigurationError(target, {
      code,
      problem: `${problem} (${said}, HTTP ${status})`,
      advice,
      settings,
      ...answer,
    });

  if (status >= 300 && status < 400) {
    const region = response.headers.get("x-amz-bucket-region");
    if (status === 301 || s3Code === "PermanentRedirect" || region !== null) {
      return configuration(
        "OBJECT_STORAGE_WRONG_REGION",
        `the bucket is not served here${region ? `: it is in region ${region}` : ""}`,
        `set object_storage.region${region ? ` to ${region}` : ""} and object_storage.endpoint ` +
          "to that region's endpoint (redirects are never followed)",
        ["object_storage.region", "object_storage.endpoint"],
      );
    }
    const location = response.headers.get("location");
    return configuration(
      "OBJECT_STORAGE_REDIRECTED",
      `the store redirects${location ? ` to ${maskKnownSecrets(location)}` : ""}`,
      "set object_storage.endpoint (and object_storage.region) to where the bucket is " +
        "served; redirects are never followed",
      ["object_storage.endpoint", "object_storage.region"],
    );
  }
  if (status >= 500 || status === 429 || (s3Code !== null && OUTAGE_CODES.has(s3Code))) {
    return new ObjectStorageUnavailableError(target, { reason: said, ...answer });
  }
  switch (s3Code) {
    case "NoSuchBucket":
      return configuration(
        "OBJECT_STORAGE_NO_SUCH_BUCKET",
        "no such bucket",
        "create the bucket, or fix object_storage.bucket (and object_storage.endpoint if the " +
          "bucket is elsewhere)",
        ["object_storage.bucket", "object_storage.endpoint"],
      );
    case "InvalidBucketName":
      return configuration(
        "OBJECT_STORAGE_INVALID_BUCKET_NAME",
        "the store refuses the bucket name",
        "fix object_storage.bucket",
        ["object_storage.bucket"],
      );
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
    case "InvalidToken":
    case "ExpiredToken":
    case "TokenRefreshRequired":
      return configuration(
        "OBJECT_STORAGE_INVALID_CREDENTIALS",
        `the store does not accept the credentials of access key "${target.accessKeyId}"`,
        "check object_storage.access_key_id and object_storage.secret_access_key (the pair " +
          "must belong together and be active)",
        ["object_storage.access_key_id", "object_storage.secret_access_key"],
      );
    case "AuthorizationHeaderMalformed":
    case "AuthorizationQueryParametersError":
    case "IllegalLocationConstraintException":
      return configuration(
        "OBJECT_STORAGE_WRONG_REGION",
        `the store refuses region ${target.region}`,
        "set object_storage.region to the bucket's region and object_storage.endpoint to " +
          "that region's endpoint",
        ["object_storage.region", "object_storage.endpoint"],
      );
    case "RequestTimeTooSkewed":
      return configuration(
        "OBJECT_STORAGE_CLOCK_SKEW",
        "this machine's clock is too far from the store's",
        "synchronise the clock (NTP); requests are signed with the current time",
        [],
      );
  }
  if (status === 401 || status === 403) {
    return configuration(
      "OBJECT_STORAGE_ACCESS_DENIED",
      `access denied to access key "${target.accessKeyId}"`,
      "give that key s3:PutObject (and s3:ListBucket for config check --online) on the " +
        "bucket, or fix object_storage.access_key_id / object_storage.secret_access_key / " +
        "object_storage.bucket",
      [
        "object_storage.access_key_id",
        "object_storage.secret_access_key",
        "object_storage.bucket",
      ],
    );
  }
  if (status === 404 || status === 405 || status === 501) {
    // No S3 error code: the endpoint is not an S3 API (a web site, a wrong path).
    return configuration(
      status === 404 && request.key === null
        ? "OBJECT_STORAGE_NO_SUCH_BUCKET"
        : "OBJECT_STORAGE_NOT_AN_OBJECT_STORE",
      status === 404 ? "not found" : "the endpoint does not take S3 requests",
      "check object_storage.endpoint, object_storage.bucket and object_storage.path_style",
      ["object_storage.endpoint", "object_storage.bucket", "object_storage.path_style"],
    );
  }
  return new ObjectStorageRefusedError(target, {
    key: request.key ?? "the bucket",
    reason: said,
    status,
    s3Code,
  });
}

/** A request that got no answer: unreachable, reset, timed out. Always an outage. */
export function failureError(
  target: ObjectStorageTarget,
  error: unknown,
  options: { timeoutSeconds: number },
): ObjectStorageUnavailableError {
  const timedOut = error instanceof DOMException && error.name === "TimeoutError";
  const reason = timedOut
    ? `no answer within ${options.timeoutSeconds} s (object_storage.timeout)`
    : `cannot connect: ${maskKnownSecrets(error instanceof Error ? error.message : String(error))}`;
  return new ObjectStorageUnavailableError(target, { reason, status: null, s3Code: null }, {
    cause: error,
  });
}
