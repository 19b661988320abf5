/**
 * The Direct+ envelopes: every body carries `transactionDetail`, writes answer with
 * `information`, failures with `error` (dnb-direct-plus.md §4). Responses are sent as JSON text
 * so pull bodies can splice stored notification text in unchanged.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, InformationBody, TransactionDetail } from "../model/payload.ts";
import { messageFor } from "./codes.ts";
import { isoMillis } from "./timestamps.ts";

/**
 * Per-request values every handler needs to build an envelope, and what the server lends a
 * handler: `resetConnection` closes the client's connection before any byte of the response.
 */
export type SimEnv = {
  Variables: { transactionId: string; requestTimeMs: number };
  Bindings: { resetConnection?: () => void };
};

export type ErrorDetail = { parameter?: string; description?: string };

let sequence = 0;

/** An id shaped like D&B's `rrt-0daa1ee1e57942d41-b-eu-10745-51724582-2`. */
export function newTransactionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(13));
  const hex = Array.from(bytes.subarray(0, 9), (b) => b.toString(16).padStart(2, "0")).join("")
    .slice(0, 17);
  const view = new DataView(bytes.buffer);
  const letter = "abcd"[bytes[9] % 4];
  const node = 10000 + (view.getUint16(10) % 90000);
  sequence = (sequence + 1) % 100000000;
  return `rrt-${hex}-${letter}-eu-${node}-${String(sequence).padStart(8, "0")}-${
    1 + bytes[12] % 30
  }`;
}

export function transactionDetail(
  c: Context<SimEnv>,
  extra: Partial<TransactionDetail> = {},
): TransactionDetail {
  return {
    transactionID: c.get("transactionId"),
    transactionTimestamp: isoMillis(c.get("requestTimeMs")),
    inLanguage: "en-US",
    ...extra,
  };
}

/** Sends JSON text as is; error statuses also get D&B's failure header. */
export function sendJsonText(
  c: Context<SimEnv>,
  text: string,
  status: ContentfulStatusCode = 200,
): Response {
  if (status >= 400) c.header("x-request-status", "failure");
  return c.body(text, status, { "content-type": "application/json;charset=UTF-8" });
}

export function sendJson(
  c: Context<SimEnv>,
  body: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  return sendJsonText(c, JSON.stringify(body), status);
}

export interface ErrorOptions {
  message?: string;
  details?: ErrorDetail[];
  transaction?: Partial<TransactionDetail>;
}

export function sendError(
  c: Context<SimEnv>,
  status: ContentfulStatusCode,
  code: string,
  options: ErrorOptions = {},
): Response {
  const body: ErrorBody = {
    transactionDetail: transactionDetail(c, options.transaction),
    error: { errorCode: code, errorMessage: options.message ?? messageFor(code) },
  };
  if (options.details) body.error.errorDetails = options.details;
  return sendJson(c, body, status);
}

export function sendInformation(
  c: Context<SimEnv>,
  status: ContentfulStatusCode,
  code: string,
  message: string = messageFor(code),
): Response {
  const body: InformationBody = {
    transactionDetail: transactionDetail(c),
    information: { code, message },
  };
  return sendJson(c, body, status);
}
