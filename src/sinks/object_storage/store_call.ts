import type { ObjectStorageConfig } from "../../config/config.ts";
import type { ObjectStorageRequest, ObjectStorageTransport } from "./aws4fetch_transport.ts";
import { failureError, responseError } from "./classify.ts";
import type { ObjectStorageTarget } from "./errors.ts";

export function targetOf(config: ObjectStorageConfig): ObjectStorageTarget {
  return {
    endpoint: config.endpoint,
    bucket: config.bucket,
    region: config.region,
    accessKeyId: config.access_key_id,
  };
}

/**
 * Sends one request within `object_storage.timeout` and returns the response of a success;
 * every other outcome is thrown as the sink's typed error (`classify.ts`). An abort by the
 * caller's signal is thrown as its reason, untouched.
 */
export async function callStore(
  transport: ObjectStorageTransport,
  request: ObjectStorageRequest,
  options: { config: ObjectStorageConfig; key: string | null },
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const { config } = options;
  const target = targetOf(config);
  const timeout = AbortSignal.timeout(config.timeout * 1000);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let response;
  try {
    response = await transport.send({ ...request, signal });
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    throw failureError(target, error, { timeoutSeconds: config.timeout });
  }
  const error = responseError(target, {
    status: response.status,
    headers: response.headers,
    body: new TextDecoder().decode(response.body),
  }, { key: options.key });
  if (error !== null) throw error;
  return response;
}
