import { CircuitOpenError } from "../resilience/circuit_breaker.ts";

/** Where a failed call went: method, path (no query secrets: D&B takes none) and endpoint label. */
export interface DnbCallSite {
  method: string;
  path: string;
  endpoint: string;
}

export interface DnbApiErrorDetails extends DnbCallSite {
  status: number;
  errorCode: string | null;
  errorMessage: string | null;
  transactionID: string | null;
  /** A 429's `Retry-After`, in ms, when it had one, cut to `dnb_api.retry_after_max`. */
  retryAfterMs?: number | null;
  /** What the `Retry-After` asked for, before the cut. */
  retryAfterAskedMs?: number | null;
}

/** D&B answered with an error status. Carries D&B's own code, message and transaction id. */
export class DnbApiError extends Error {
  readonly code: string = "DNB_API_ERROR";
  readonly status: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly transactionID: string | null;
  readonly method: string;
  readonly path: string;
  readonly endpoint: string;
  readonly retryAfterMs: number | null;
  readonly retryAfterAskedMs: number | null;

  constructor(details: DnbApiErrorDetails, hint?: string) {
    super(describe(details) + (hint ? ` — ${hint}` : ""));
    this.name = "DnbApiError";
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.errorMessage = details.errorMessage;
    this.transactionID = details.transactionID;
    this.method = details.method;
    this.path = details.path;
    this.endpoint = details.endpoint;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.retryAfterAskedMs = details.retryAfterAskedMs ?? null;
  }

  /** 429, 5xx: worth trying again later. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** D&B refused the client credentials. Retrying cannot help; the message never holds the secret. */
export class DnbCredentialsError extends DnbApiError {
  override readonly code = "DNB_BAD_CREDENTIALS";

  constructor(details: DnbApiErrorDetails) {
    super(
      details,
      "D&B refused the client credentials; check dnb_api.client_id and dnb_api.client_secret " +
        "(and dnb_api.token_version)",
    );
    this.name = "DnbCredentialsError";
  }
}

/** No HTTP answer: DNS, refused connection, reset. */
export class DnbNetworkError extends Error {
  readonly code = "DNB_UNREACHABLE";
  readonly method: string;
  readonly path: string;
  /** The status line had arrived and the body broke off: D&B had answered. */
  readonly duringBody: boolean;

  constructor(site: DnbCallSite, cause: unknown, options: { duringBody?: boolean } = {}) {
    super(
      options.duringBody
        ? `D&B ${site.method} ${site.path}: the answer broke off (${causeText(cause)})`
        : `D&B ${site.method} ${site.path}: no answer (${causeText(cause)}); ` +
          `check dnb_api.base_url and the network`,
      { cause },
    );
    this.name = "DnbNetworkError";
    this.method = site.method;
    this.path = site.path;
    this.duringBody = options.duringBody ?? false;
  }
}

/** The request took longer than `dnb_api.timeout`. */
export class DnbTimeoutError extends Error {
  readonly code = "DNB_TIMEOUT";
  readonly method: string;
  readonly path: string;
  readonly timeoutMs: number;

  constructor(site: DnbCallSite, timeoutMs: number) {
    super(
      `D&B ${site.method} ${site.path}: no answer within ${timeoutMs} ms ` +
        `(raise dnb_api.timeout, or lower monitoring.max_notifications as D&B advises)`,
    );
    this.name = "DnbTimeoutError";
    this.method = site.method;
    this.path = site.path;
    this.timeoutMs = timeoutMs;
  }
}

/** D&B answered 2xx with a body that is not what the API documents. */
export class DnbProtocolError extends Error {
  readonly code = "DNB_BAD_RESPONSE";
  readonly body: string;

  constructor(site: DnbCallSite, problem: string, body: string) {
    super(`D&B ${site.method} ${site.path}: unexpected response: ${problem}`);
    this.name = "DnbProtocolError";
    this.body = body;
  }
}

function describe(details: DnbApiErrorDetails): string {
  const dnb = [details.errorCode, details.errorMessage].filter(Boolean).join(" ");
  const transaction = details.transactionID ? `, transaction ${details.transactionID}` : "";
  return `D&B ${details.method} ${details.path} answered ${details.status}` +
    (dnb ? ` (${dnb}${transaction})` : transaction ? ` (${transaction.slice(2)})` : "");
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/**
 * A pull whose answer did not arrive whole: a timeout, a reset, a 5xx, a cut or unreadable body.
 * D&B may have dequeued the page, so it is never retried blind; the monitor recovers it through
 * replay from the second the pull was sent (design.md invariant 4).
 */
export class DnbOutcomeUnknownError extends Error {
  readonly code = "DNB_OUTCOME_UNKNOWN";
  readonly method: string;
  readonly path: string;

  constructor(site: DnbCallSite, cause: unknown) {
    super(
      `D&B ${site.method} ${site.path}: the answer did not arrive whole ` +
        `(${causeText(cause)}); what D&B may have handed over is recovered through replay`,
      { cause },
    );
    this.name = "DnbOutcomeUnknownError";
    this.method = site.method;
    this.path = site.path;
  }
}

/** A response body longer than `dnb_api.max_response_bytes`: cut off, never read whole. */
export class DnbResponseTooLargeError extends Error {
  readonly code = "DNB_RESPONSE_TOO_LARGE";
  readonly method: string;
  readonly path: string;
  readonly limitBytes: number;

  constructor(site: DnbCallSite, options: { limitBytes: number; announcedBytes?: number }) {
    const size = options.announcedBytes === undefined
      ? `more than ${options.limitBytes} bytes`
      : `${options.announcedBytes} bytes (Content-Length), more than ${options.limitBytes}`;
    super(
      `D&B ${site.method} ${site.path}: the response body is ${size}, so it was not read; ` +
        "raise dnb_api.max_response_bytes if D&B's records are that large",
    );
    this.name = "DnbResponseTooLargeError";
    this.method = site.method;
    this.path = site.path;
    this.limitBytes = options.limitBytes;
  }
}

/** A reference no HTTP request can carry (`.`, `..`): refused before anything is sent. */
export class DnbReferenceUnsendableError extends Error {
  readonly code = "DNB_REFERENCE_UNSENDABLE";
  readonly reference: string;

  constructor(reference: string, problem: string) {
    super(problem);
    this.name = "DnbReferenceUnsendableError";
    this.reference = reference;
  }
}

/** D&B does not know the registration, or the account does not list it. */
export class DnbRegistrationNotFoundError extends Error {
  readonly code = "DNB_REGISTRATION_NOT_FOUND";
  readonly reference: string;

  constructor(reference: string, detail: string) {
    super(
      `registration ${JSON.stringify(reference)} not found: ${detail}; ` +
        `check the reference ("registrations list" shows the account's)`,
    );
    this.name = "DnbRegistrationNotFoundError";
    this.reference = reference;
  }
}

/**
 * Whether a failed pull proves that D&B handed nothing over, so it needs no recovery: D&B said
 * no before doing anything (4xx: 400, 401, 404, 429), or the call was never sent (breaker
 * open). Anything else — a timeout, a reset, a 5xx, an unreadable body, an error of our own —
 * may have dequeued a page.
 */
export function provesNothingDequeued(error: unknown): boolean {
  if (error instanceof DnbRegistrationNotFoundError) return true;
  if (error instanceof DnbApiError) return error.status >= 400 && error.status < 500;
  return error instanceof CircuitOpenError;
}

/**
 * An answer with a 3xx status (or an opaque redirect). Redirects are never followed for D&B
 * calls: the target is outside `dnb_api.base_url` and its https rule, and a token request
 * repeated there would hand it the client credentials. Not retried: the same request gets the
 * same redirect.
 */
export class DnbRedirectRefusedError extends Error {
  readonly code = "DNB_REDIRECT_REFUSED";
  readonly method: string;
  readonly path: string;
  readonly endpoint: string;
  /** The 3xx status, or 0 for an opaque redirect that hides it. */
  readonly status: number;
  /** The host (and port) the redirect pointed to, or null without a usable Location. */
  readonly targetHost: string | null;

  constructor(site: DnbCallSite, status: number, targetHost: string | null) {
    const target = targetHost ? `to ${targetHost}` : "without a usable Location";
    super(
      `D&B ${site.method} ${site.path} answered ${status || "an opaque"} redirect ${target}; ` +
        "redirects are never followed (credentials and tokens go only to dnb_api.base_url) — " +
        "set dnb_api.base_url to the address that answers the API itself",
    );
    this.name = "DnbRedirectRefusedError";
    this.method = site.method;
    this.path = site.path;
    this.endpoint = site.endpoint;
    this.status = status;
    this.targetHost = targetHost;
  }
}
