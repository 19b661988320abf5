export interface ErrorBodyFields {
  errorCode: string | null;
  errorMessage: string | null;
  transactionID: string | null;
}

/**
 * Reads D&B's error code, message and transaction id from an error response, whichever of its
 * two formats it uses: the standard envelope (`error.errorCode`) or the OAuth style of the v3
 * token endpoint, where the code and transaction id sit inside `error_description`.
 */
export function readErrorBody(text: string): ErrorBodyFields {
  const none: ErrorBodyFields = { errorCode: null, errorMessage: null, transactionID: null };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return none;
  }
  if (!isRecord(body)) return none;
  const transactionID = isRecord(body.transactionDetail) &&
      typeof body.transactionDetail.transactionID === "string"
    ? body.transactionDetail.transactionID
    : null;
  if (isRecord(body.error)) {
    return {
      errorCode: stringOrNull(body.error.errorCode),
      errorMessage: stringOrNull(body.error.errorMessage),
      transactionID,
    };
  }
  if (typeof body.error === "string") {
    const description = stringOrNull(body.error_description) ?? "";
    const embeddedCode = /ErrorCode:\s*(\d{5})/.exec(description)?.[1] ?? null;
    const embeddedTransaction = /Transaction ID:\s*(\S+)/.exec(description)?.[1] ?? null;
    const message = description.replace(/\s*ErrorCode:.*$/s, "").trim();
    return {
      errorCode: embeddedCode ?? body.error,
      errorMessage: message ? `${body.error}: ${message}` : body.error,
      transactionID: embeddedTransaction ?? transactionID,
    };
  }
  return { ...none, transactionID };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
