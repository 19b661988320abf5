import type { ObjectStorageConfig } from "../../config/config.ts";
import { aws4fetchTransport, type ObjectStorageTransport } from "./aws4fetch_transport.ts";
import { bucketUrl } from "./request.ts";
import { callStore } from "./store_call.ts";

/** The outcome of `checkBucket`: a value, so `config check --online` prints either. */
export type BucketCheck =
  | { ok: true; url: string }
  | { ok: false; url: string; error: Error };

/**
 * Lists at most one key of the bucket (`GET ?max-keys=1`): it proves endpoint, region,
 * credentials and bucket together, and unlike `HEAD` the answer carries S3's error code.
 * (ListObjectsV2, `list-type=2`, fails with InternalError on s3rver 3.7.1.) Writes nothing.
 */
export async function checkBucket(
  config: ObjectStorageConfig,
  options: { transport?: ObjectStorageTransport; signal?: AbortSignal } = {},
): Promise<BucketCheck> {
  const transport = options.transport ?? aws4fetchTransport({
    accessKeyId: config.access_key_id,
    secretAccessKey: config.secret_access_key,
    region: config.region,
  });
  const url = bucketUrl(config);
  try {
    await callStore(
      transport,
      { method: "GET", url: `${url}?max-keys=1`, signal: options.signal },
      {
        config,
        key: null,
      },
    );
    return { ok: true, url };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { ok: false, url, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
