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

  constructor(site: DnbCallSite, cause: unknown) {
    super(
      `D&B ${site.method} ${site.path}: no answer (${causeText(cause)}); ` +
        `check dnb_api.base_url and the network`,
      { cause },
    );
    this.name = "DnbNetworkError";
    this.method = site.method;
    this.path = site.path;
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
