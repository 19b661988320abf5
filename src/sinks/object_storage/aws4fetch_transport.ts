// The one file that imports npm:aws4fetch: SigV4 signing with WebCrypto, no SDK. It signs; the
// request itself goes through our own `fetch` call, so redirects are never followed and
// aws4fetch's built-in retries (up to 10, on 5xx and 429) never run: the pipeline retries.
import { AwsV4Signer } from "aws4fetch";
import type { Secret } from "../../model/secret.ts";

export interface ObjectStorageCredentials {
  accessKeyId: string;
  secretAccessKey: Secret;
  region: string;
}

/** One request to the store, unsigned. */
export interface ObjectStorageRequest {
  method: "GET" | "HEAD" | "PUT";
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal;
}

/** The store's answer, its body read whole (error bodies and test reads are small). */
export interface ObjectStorageResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** The calls the sink makes: a test passes a double, the real one speaks HTTP. */
export interface ObjectStorageTransport {
  send(request: ObjectStorageRequest): Promise<ObjectStorageResponse>;
}

export interface SignOptions {
  /** `YYYYMMDDTHHMMSSZ`; now when absent. Fixed only to check signatures against AWS's examples. */
  datetime?: string;
  /** Sign every header (AWS's examples sign `Range`, which aws4fetch leaves out otherwise). */
  allHeaders?: boolean;
}

/** The request's headers with SigV4's `Authorization`, `x-amz-date` and the rest added. */
export async function signRequest(
  request: ObjectStorageRequest,
  credentials: ObjectStorageCredentials,
  options: SignOptions = {},
): Promise<Headers> {
  const signer = new AwsV4Signer({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body as BodyInit | undefined,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey.reveal(),
    service: "s3",
    region: credentials.region,
    datetime: options.datetime,
    allHeaders: options.allHeaders,
  });
  const signed = await signer.sign();
  return signed.headers;
}

export interface FetchTransportOptions {
  /** Replaces the global `fetch`, e.g. to count or delay requests. */
  fetch?: typeof fetch;
}

/** Signs each request and sends it with `fetch`, `redirect: "manual"`. */
export function aws4fetchTransport(
  credentials: ObjectStorageCredentials,
  options: FetchTransportOptions = {},
): ObjectStorageTransport {
  const send = options.fetch ?? fetch;
  return {
    async send(request) {
      const headers = await signRequest(request, credentials);
      const response = await send(request.url, {
        method: request.method,
        headers,
        body: request.body as BodyInit | undefined,
        redirect: "manual",
        signal: request.signal,
      });
      const body = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body };
    },
  };
}
