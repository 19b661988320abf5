import { createHash } from "node:crypto";
import type { FileFormat, ObjectStorageConfig } from "../../config/config.ts";
import { batchFilePath } from "../layout.ts";
import type { Batch } from "../sink.ts";

/** What a request needs to know about the bucket: the configuration's addressing keys. */
export type BucketAddress = Pick<ObjectStorageConfig, "endpoint" | "bucket" | "path_style">;

/** How a batch is laid out as an object: the local sink's options. */
export type ObjectLayout = Pick<
  ObjectStorageConfig,
  "prefix" | "file_format" | "compress" | "organize_by_date"
>;

/**
 * The batch's object key: the local sink's relative path (`batchFilePath`) under `prefix`, so
 * a file and its object have the same name and a re-delivery PUTs the same key.
 */
export function objectKey(batch: Batch, layout: ObjectLayout): string {
  const relative = batchFilePath(batch, {
    format: layout.file_format,
    compress: layout.compress,
    organizeByDate: layout.organize_by_date,
  });
  return layout.prefix === "" ? relative : `${layout.prefix}/${relative}`;
}

/**
 * The bucket's URL, ending in `/`: `endpoint/bucket/` (path style) or `https://bucket.host/`
 * (virtual-hosted).
 */
export function bucketUrl(address: BucketAddress): string {
  const url = new URL(address.endpoint);
  if (address.path_style) return `${url.origin}/${encodeURIComponent(address.bucket)}/`;
  return `${url.protocol}//${address.bucket}.${url.host}/`;
}

/**
 * The object's URL. Layout keys and prefixes hold only unreserved characters (schema.ts and
 * `safeSegment` see to it), so each segment is what the server and the signature see.
 */
export function objectUrl(address: BucketAddress, key: string): string {
  return bucketUrl(address) + key.split("/").map(encodeRfc3986).join("/");
}

/** `Content-MD5`: base64 of the body's MD5; the store refuses a body that arrived different. */
export function contentMd5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("base64");
}

/** `x-amz-content-sha256`: hex SHA-256 of the body, signed into the request (SigV4). */
export function contentSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const CONTENT_TYPES: Readonly<Record<FileFormat, string>> = {
  json: "application/json",
  ndjson: "application/x-ndjson",
  csv: "text/csv; charset=utf-8",
  xml: "application/xml",
};

/**
 * A gzipped object is a `.gz` file, not a transfer encoding: with `Content-Encoding: gzip`
 * browsers and SDKs would unzip it on download under a name that says `.gz`.
 */
export function contentTypeFor(format: FileFormat, compress: boolean): string {
  return compress ? "application/gzip" : CONTENT_TYPES[format];
}

/** One PUT, ready to sign: the same batch always gives the same request. */
export interface PutObjectRequest {
  key: string;
  url: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

export function putObjectRequest(
  address: BucketAddress,
  object: { key: string; body: Uint8Array; format: FileFormat; compress: boolean },
): PutObjectRequest {
  return {
    key: object.key,
    url: objectUrl(address, object.key),
    body: object.body,
    headers: {
      "content-type": contentTypeFor(object.format, object.compress),
      "content-md5": contentMd5(object.body),
      "x-amz-content-sha256": contentSha256(object.body),
    },
  };
}

function encodeRfc3986(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
