// The object storage sink without a server: keys, URLs, digests, signatures, and what each
// answer of a store means. The real thing is tested against s3rver in object_storage_test.ts.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ObjectStorageConfig } from "../../src/config/config.ts";
import { Secret } from "../../src/model/secret.ts";
import { batchFilePath } from "../../src/sinks/layout.ts";
import {
  bucketUrl,
  contentMd5,
  contentTypeFor,
  createObjectStorageSink,
  failureError,
  objectKey,
  ObjectStorageConfigurationError,
  ObjectStorageRefusedError,
  type ObjectStorageRequest,
  type ObjectStorageResponse,
  ObjectStorageSinkClosedError,
  type ObjectStorageTarget,
  type ObjectStorageTransport,
  ObjectStorageUnavailableError,
  objectUrl,
  parseS3Error,
  putObjectRequest,
  responseError,
  signRequest,
} from "../../src/sinks/object_storage/mod.ts";
import { sinkErrorKind } from "../../src/sinks/refusals.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

const SECRET = "unit-test-secret-4f7a9c";

function configFor(overrides: Partial<ObjectStorageConfig> = {}): ObjectStorageConfig {
  return {
    enabled: true,
    endpoint: "https://s3.eu-west-1.amazonaws.com",
    bucket: "traceone",
    region: "eu-west-1",
    access_key_id: "AKIDUNITTEST",
    secret_access_key: new Secret(SECRET),
    prefix: "notifications",
    path_style: true,
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 30,
    ...overrides,
  };
}

const TARGET: ObjectStorageTarget = {
  endpoint: "https://s3.eu-west-1.amazonaws.com",
  bucket: "traceone",
  region: "eu-west-1",
  accessKeyId: "AKIDUNITTEST",
};

function s3Error(code: string, message = "m"): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}` +
    "</Message><RequestId>1</RequestId></Error>";
}

function answer(status: number, body = "", headers: Record<string, string> = {}) {
  return responseError(TARGET, { status, headers: new Headers(headers), body }, {
    key: "notifications/x.json",
  });
}

/** A transport that answers from a function and records what it was sent. */
function fakeTransport(
  reply: (request: ObjectStorageRequest) => Promise<ObjectStorageResponse> | ObjectStorageResponse,
): ObjectStorageTransport & { sent: ObjectStorageRequest[] } {
  const sent: ObjectStorageRequest[] = [];
  return {
    sent,
    send(request) {
      sent.push(request);
      return Promise.resolve(reply(request));
    },
  };
}

const OK: ObjectStorageResponse = { status: 200, headers: new Headers(), body: new Uint8Array() };

Deno.test("object storage key: the local sink's relative path under the prefix", () => {
  const batch = trickyBatch();
  for (const file_format of ["json", "ndjson", "csv", "xml"] as const) {
    for (const compress of [false, true]) {
      for (const organize_by_date of [false, true]) {
        const local = batchFilePath(batch, {
          format: file_format,
          compress,
          organizeByDate: organize_by_date,
        });
        const layout = { file_format, compress, organize_by_date };
        assert.equal(
          objectKey(batch, { ...layout, prefix: "notifications" }),
          `notifications/${local}`,
        );
        assert.equal(objectKey(batch, { ...layout, prefix: "a/b" }), `a/b/${local}`);
        assert.equal(objectKey(batch, { ...layout, prefix: "" }), local);
      }
    }
  }
  assert.equal(
    objectKey(batch, {
      prefix: "notifications",
      file_format: "json",
      compress: false,
      organize_by_date: true,
    }),
    "notifications/2024/02/25/ACME_PULL_01/notifications_20240225_162108_007.json",
  );
});

Deno.test("object storage key: a registration that needs sanitising keeps its hashed folder", () => {
  const key = objectKey(trickyBatch({ registration: "../a b" }), {
    prefix: "p",
    file_format: "json",
    compress: false,
    organize_by_date: false,
  });
  assert.match(key, /^p\/\.\._a_b~[0-9a-f]{12}\/notifications_20240225_162108_007\.json$/);
});

Deno.test("object storage URL: path style and virtual-hosted, ports kept", () => {
  assert.equal(bucketUrl(configFor()), "https://s3.eu-west-1.amazonaws.com/traceone/");
  assert.equal(
    bucketUrl(configFor({ path_style: false })),
    "https://traceone.s3.eu-west-1.amazonaws.com/",
  );
  assert.equal(
    objectUrl(configFor({ endpoint: "http://127.0.0.1:9000" }), "p/a~1/x.json"),
    "http://127.0.0.1:9000/traceone/p/a~1/x.json",
  );
  assert.equal(
    objectUrl(configFor({ endpoint: "http://localhost:9000", path_style: false }), "k"),
    "http://traceone.localhost:9000/k",
  );
});

Deno.test("object storage PUT: Content-MD5 is base64 MD5 of the body, SHA-256 signed, type by format", () => {
  const body = new TextEncoder().encode("hello");
  // RFC 1864's form: base64 of the 16-byte digest (not hex).
  assert.equal(contentMd5(body), "XUFAKrxLKna5cZ2REBfFkg==");
  const request = putObjectRequest(configFor(), {
    key: "k.json",
    body,
    format: "json",
    compress: false,
  });
  assert.deepEqual(request.headers, {
    "content-type": "application/json",
    "content-md5": createHash("md5").update(body).digest("base64"),
    "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
  });
  assert.equal(request.url, "https://s3.eu-west-1.amazonaws.com/traceone/k.json");
  assert.equal(contentTypeFor("ndjson", false), "application/x-ndjson");
  assert.equal(contentTypeFor("csv", false), "text/csv; charset=utf-8");
  assert.equal(contentTypeFor("xml", false), "application/xml");
  assert.equal(contentTypeFor("xml", true), "application/gzip");
});

Deno.test("object storage sink: the PUT carries the body's own MD5, so a corrupted body is caught by the store", async () => {
  const transport = fakeTransport(() => OK);
  const sink = createObjectStorageSink(configFor(), { transport });
  await sink.deliver(trickyBatch());
  const [put] = transport.sent;
  assert.equal(put.method, "PUT");
  assert.equal(put.headers!["content-md5"], createHash("md5").update(put.body!).digest("base64"));
  const flipped = put.body!.slice();
  flipped[0] ^= 1;
  assert.notEqual(put.headers!["content-md5"], contentMd5(flipped));
  // What the store answers when the digest does not match is an outage: the batch is resent.
  const bad = answer(400, s3Error("BadDigest", "The Content-MD5 you specified did not match"));
  assert.ok(bad instanceof ObjectStorageUnavailableError);
  assert.equal(sinkErrorKind(bad), "outage");
});

Deno.test("SigV4: the signature of AWS's published example (GET Object, examplebucket)", async () => {
  // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "Example: GET Object".
  const headers = await signRequest({
    method: "GET",
    url: "https://examplebucket.s3.amazonaws.com/test.txt",
    headers: {
      range: "bytes=0-9",
      "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    },
  }, {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: new Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    region: "us-east-1",
  }, { datetime: "20130524T000000Z", allHeaders: true });
  // aws4fetch separates the parts with ", " where the example has ","; both are valid.
  assert.equal(
    headers.get("authorization")!.replaceAll(", ", ","),
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," +
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
});

Deno.test("S3 error body: code and message read, entities decoded", () => {
  assert.deepEqual(parseS3Error(s3Error("NoSuchBucket", "The bucket &quot;x&quot; &amp; y")), {
    code: "NoSuchBucket",
    message: 'The bucket "x" & y',
  });
  assert.deepEqual(parseS3Error("<html>nope</html>"), { code: null, message: null });
});

Deno.test("object storage answers: busy or failing is an outage that waits", () => {
  for (
    const [status, code] of [
      [500, "InternalError"],
      [503, "SlowDown"],
      [503, "ServiceUnavailable"],
      [400, "RequestTimeout"],
      [429, ""],
      [502, ""],
      [504, ""],
    ] as const
  ) {
    const error = answer(status, code === "" ? "" : s3Error(code));
    assert.ok(error instanceof ObjectStorageUnavailableError, `${status} ${code}`);
    assert.equal(error.code, "OBJECT_STORAGE_UNAVAILABLE");
    assert.equal(error.retryable, true);
    assert.equal(sinkErrorKind(error), "outage");
  }
  assert.equal(answer(200), null);
  assert.equal(answer(204), null);
});

Deno.test("object storage answers: configuration errors name the key to fix and never dead-letter", () => {
  const cases: [number, string, Record<string, string>, string, string[]][] = [
    [404, "NoSuchBucket", {}, "OBJECT_STORAGE_NO_SUCH_BUCKET", ["object_storage.bucket"]],
    [400, "InvalidBucketName", {}, "OBJECT_STORAGE_INVALID_BUCKET_NAME", ["object_storage.bucket"]],
    [403, "AccessDenied", {}, "OBJECT_STORAGE_ACCESS_DENIED", ["object_storage.access_key_id"]],
    [403, "InvalidAccessKeyId", {}, "OBJECT_STORAGE_INVALID_CREDENTIALS", [
      "object_storage.access_key_id",
      "object_storage.secret_access_key",
    ]],
    [403, "SignatureDoesNotMatch", {}, "OBJECT_STORAGE_INVALID_CREDENTIALS", [
      "object_storage.secret_access_key",
    ]],
    [
      301,
      "PermanentRedirect",
      { "x-amz-bucket-region": "us-west-2" },
      "OBJECT_STORAGE_WRONG_REGION",
      [
        "object_storage.region",
        "object_storage.endpoint",
      ],
    ],
    [400, "AuthorizationHeaderMalformed", {}, "OBJECT_STORAGE_WRONG_REGION", [
      "object_storage.region",
    ]],
    [307, "", { location: "https://elsewhere.example/" }, "OBJECT_STORAGE_REDIRECTED", [
      "object_storage.endpoint",
    ]],
    [403, "RequestTimeTooSkewed", {}, "OBJECT_STORAGE_CLOCK_SKEW", []],
  ];
  for (const [status, code, headers, expected, settings] of cases) {
    const error = answer(status, code === "" ? "" : s3Error(code), headers);
    assert.ok(error instanceof ObjectStorageConfigurationError, `${status} ${code}`);
    assert.equal(error.code, expected);
    assert.equal(error.retryable, false);
    assert.equal(sinkErrorKind(error), "outage", "a person fixes it; the batches wait");
    for (const setting of settings) {
      assert.ok(error.message.includes(setting), `${error.message} names ${setting}`);
    }
    assert.ok(error.message.includes('bucket "traceone"'), error.message);
    assert.ok(error.message.includes(TARGET.endpoint), error.message);
  }
  const moved = answer(301, s3Error("PermanentRedirect"), { "x-amz-bucket-region": "us-west-2" });
  assert.match(moved!.message, /set object_storage\.region to us-west-2/);
  // HEAD and bare proxies answer without a body: the status alone decides.
  const bare = answer(403);
  assert.ok(bare instanceof ObjectStorageConfigurationError);
  assert.equal(bare.code, "OBJECT_STORAGE_ACCESS_DENIED");
});

Deno.test("object storage answers: a request the store refuses as such is a refusal", () => {
  const error = answer(400, s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum"));
  assert.ok(error instanceof ObjectStorageRefusedError);
  assert.equal(error.code, "OBJECT_STORAGE_REFUSED");
  assert.equal(error.httpStatus, 400);
  assert.equal(sinkErrorKind(error), "refusal");
  assert.match(error.message, /refused notifications\/x\.json: EntityTooLarge/);
});

Deno.test("object storage answers: server text is masked; the secret never reaches a message", () => {
  new Secret(SECRET);
  const echoed = answer(
    403,
    s3Error("SignatureDoesNotMatch", `The request signature we calculated with ${SECRET} differs`),
  );
  assert.ok(echoed instanceof ObjectStorageConfigurationError);
  assert.ok(!echoed.message.includes(SECRET), echoed.message);
  assert.match(echoed.message, /\*\*\*/);
  const failure = failureError(TARGET, new TypeError(`connect refused ${SECRET}`), {
    timeoutSeconds: 30,
  });
  assert.ok(!failure.message.includes(SECRET));
});

Deno.test("object storage failures: network errors and timeouts are retryable outages", () => {
  const refused = failureError(TARGET, new TypeError("error sending request: Connection refused"), {
    timeoutSeconds: 30,
  });
  assert.equal(refused.code, "OBJECT_STORAGE_UNAVAILABLE");
  assert.equal(refused.retryable, true);
  assert.equal(refused.status, null);
  assert.equal(sinkErrorKind(refused), "outage");
  const timedOut = failureError(TARGET, new DOMException("t", "TimeoutError"), {
    timeoutSeconds: 2,
  });
  assert.match(timedOut.message, /no answer within 2 s \(object_storage\.timeout\)/);
});

Deno.test("object storage sink: a store that never answers times out as an outage", async () => {
  const transport = fakeTransport((request) =>
    new Promise((_, reject) => {
      request.signal!.addEventListener("abort", () => reject(request.signal!.reason));
    })
  );
  const sink = createObjectStorageSink(configFor({ timeout: 0.05 }), { transport });
  const error = await sink.deliver(trickyBatch()).catch((e) => e);
  assert.ok(error instanceof ObjectStorageUnavailableError, String(error));
  assert.match(error.message, /no answer within 0\.05 s/);
  assert.equal(sink.health().errors, 1);
  assert.equal(sink.health().lastError, error.message);
});

Deno.test("object storage sink: the caller's abort is passed through, not an outage", async () => {
  const controller = new AbortController();
  const transport = fakeTransport((request) =>
    new Promise((_, reject) => {
      request.signal!.addEventListener("abort", () => reject(request.signal!.reason));
      controller.abort(new Error("shutting down"));
    })
  );
  const sink = createObjectStorageSink(configFor(), { transport });
  const error = await sink.deliver(trickyBatch(), { signal: controller.signal }).catch((e) => e);
  assert.equal(error.message, "shutting down");
  assert.equal(sink.health().errors, 0);
});

Deno.test("object storage sink: deliverMany PUTs each batch once, in parallel, and stops starting on a failure", async () => {
  let inFlight = 0;
  let most = 0;
  let failing = false;
  const transport = fakeTransport(async (request) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return failing && request.url.endsWith("_002.json")
      ? { status: 503, headers: new Headers(), body: new TextEncoder().encode(s3Error("SlowDown")) }
      : OK;
  });
  const sink = createObjectStorageSink(configFor(), { transport });
  const batches = Array.from({ length: 20 }, (_, i) => trickyBatch({ sequence: i + 1 }));
  const okReceipt = await sink.deliverMany!(batches.slice(0, 12));
  assert.equal(okReceipt.written, 12);
  assert.equal(new Set(transport.sent.map((r) => r.url)).size, 12);
  assert.ok(most > 1 && most <= 8, `at most 8 in flight, got ${most}`);
  failing = true;
  const error = await sink.deliverMany!(batches).catch((e) => e);
  assert.ok(error instanceof ObjectStorageUnavailableError);
  // 8 were in flight when the second failed (the first, done just before, took one more);
  // none of the other 11 started.
  assert.ok(transport.sent.length - 12 <= 9, `${transport.sent.length - 12} PUTs started`);
  assert.equal(sink.health().errors, 1);
});

Deno.test("object storage sink: closed is a typed error; the sink is named object_storage", async () => {
  const sink = createObjectStorageSink(configFor(), { transport: fakeTransport(() => OK) });
  assert.equal(sink.name, "object_storage");
  await sink.close();
  await assert.rejects(sink.deliver(trickyBatch()), ObjectStorageSinkClosedError);
});
