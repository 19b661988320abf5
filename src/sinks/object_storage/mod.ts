import type { ObjectStorageConfig } from "../../config/config.ts";
import { gzipBytes } from "../compress.ts";
import { encodeBatch, formatFor } from "../format.ts";
import {
  type Batch,
  type DeliverOptions,
  type DeliveryReceipt,
  type Sink,
  SinkRejectedError,
  SinkStats,
} from "../sink.ts";
import { aws4fetchTransport, type ObjectStorageTransport } from "./aws4fetch_transport.ts";
import { ObjectStorageSinkClosedError } from "./errors.ts";
import { objectKey, type PutObjectRequest, putObjectRequest } from "./request.ts";
import { callStore } from "./store_call.ts";

export {
  aws4fetchTransport,
  type FetchTransportOptions,
  type ObjectStorageCredentials,
  type ObjectStorageRequest,
  type ObjectStorageResponse,
  type ObjectStorageTransport,
  type SignOptions,
  signRequest,
} from "./aws4fetch_transport.ts";
export { type BucketCheck, checkBucket } from "./bucket_check.ts";
export { failureError, parseS3Error, responseError, type S3ErrorBody } from "./classify.ts";
export {
  type ObjectStorageAnswer,
  type ObjectStorageConfigurationCode,
  ObjectStorageConfigurationError,
  ObjectStorageRefusedError,
  ObjectStorageSinkClosedError,
  type ObjectStorageTarget,
  ObjectStorageUnavailableError,
} from "./errors.ts";
export {
  type BucketAddress,
  bucketUrl,
  contentMd5,
  contentSha256,
  contentTypeFor,
  objectKey,
  type ObjectLayout,
  objectUrl,
  type PutObjectRequest,
  putObjectRequest,
} from "./request.ts";
export { callStore, targetOf } from "./store_call.ts";

export const OBJECT_STORAGE_SINK_NAME = "object_storage";

/** Written into the JSON envelope's `storage_type`, as `local_file` and `sftp` are. */
const STORAGE_TYPE = "object_storage";

/** Uploads in flight at once when catching up (`deliverMany`). */
const PARALLEL_UPLOADS = 8;

export interface ObjectStorageSinkOptions {
  /** Signs and sends requests; aws4fetch over `fetch` by default. Tests pass a double. */
  transport?: ObjectStorageTransport;
}

/**
 * Stores each batch as one object `<prefix>/<local layout>` in `config.bucket`, with the local
 * sink's bytes, by one signed PUT with `Content-MD5`. A PUT replaces the whole object at once,
 * so a reader never sees part of one and a re-delivered batch writes the identical object under
 * the same key. Outages and configuration errors are thrown typed (`errors.ts`); both keep the
 * batch journaled.
 */
export function createObjectStorageSink(
  config: ObjectStorageConfig,
  options: ObjectStorageSinkOptions = {},
): Sink {
  const format = formatFor(config.file_format);
  const transport = options.transport ?? aws4fetchTransport({
    accessKeyId: config.access_key_id,
    secretAccessKey: config.secret_access_key,
    region: config.region,
  });
  const stats = new SinkStats();
  let closed = false;

  function plan(batch: Batch): PutObjectRequest {
    const encoded = encodeBatch(format, batch, {
      sink: OBJECT_STORAGE_SINK_NAME,
      storageType: STORAGE_TYPE,
    });
    return putObjectRequest(config, {
      key: objectKey(batch, config),
      body: config.compress ? gzipBytes(encoded) : encoded,
      format: config.file_format,
      compress: config.compress,
    });
  }

  async function put(request: PutObjectRequest, signal?: AbortSignal): Promise<void> {
    await callStore(transport, {
      method: "PUT",
      url: request.url,
      headers: request.headers,
      body: request.body,
      signal,
    }, { config, key: request.key });
  }

  async function deliver(batch: Batch, deliverOptions: DeliverOptions = {}) {
    const { signal } = deliverOptions;
    if (closed) throw new ObjectStorageSinkClosedError();
    signal?.throwIfAborted();
    try {
      const request = plan(batch);
      await put(request, signal);
      const receipt: DeliveryReceipt = {
        written: 1,
        bytes: request.body.length,
        location: request.url,
      };
      stats.recordWrite(receipt);
      return receipt;
    } catch (error) {
      throw failed(error, signal);
    }
  }

  /**
   * Catching up: up to `PARALLEL_UPLOADS` PUTs at once. A failure stops starting new ones;
   * the objects already stored are exactly what the one-by-one re-delivery PUTs again.
   */
  async function deliverMany(batches: Batch[], deliverOptions: DeliverOptions = {}) {
    const { signal } = deliverOptions;
    if (closed) throw new ObjectStorageSinkClosedError();
    signal?.throwIfAborted();
    try {
      const requests = batches.map(plan);
      let next = 0;
      let failure: { error: unknown } | null = null;
      const worker = async () => {
        while (failure === null && next < requests.length) {
          const request = requests[next++];
          try {
            await put(request, signal);
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL_UPLOADS, requests.length) }, worker),
      );
      if (failure !== null) throw (failure as { error: unknown }).error;
      const receipt: DeliveryReceipt = {
        written: requests.length,
        bytes: requests.reduce((sum, request) => sum + request.body.length, 0),
        location: requests.at(-1)?.url,
      };
      stats.recordWrite(receipt);
      return receipt;
    } catch (error) {
      throw failed(error, signal);
    }
  }

  function failed(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    // Refusals are about the data, not the store: the sink stays healthy.
    if (error instanceof SinkRejectedError) return error;
    stats.recordError(error);
    return error;
  }

  return {
    name: OBJECT_STORAGE_SINK_NAME,
    deliver,
    deliverMany,
    health: () => stats.health(),
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
