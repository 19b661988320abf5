// The object storage sink against a real S3-compatible server (s3rver on loopback). Objects
// are read back through signed GETs, as any S3 client would, not from s3rver's disk layout.
import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { openSinks } from "../../src/cli/sinks.ts";
import { checkSinksOnline, enabledSinks } from "../../src/cli/config_commands.ts";
import type { FileFormat, ObjectStorageConfig } from "../../src/config/config.ts";
import { parseConfig } from "../../src/config/load.ts";
import { showConfig } from "../../src/config/show.ts";
import { Secret } from "../../src/model/secret.ts";
import { formatFor } from "../../src/sinks/format.ts";
import { createLocalSink } from "../../src/sinks/local.ts";
import {
  aws4fetchTransport,
  checkBucket,
  createObjectStorageSink,
  objectKey,
  ObjectStorageConfigurationError,
  ObjectStorageUnavailableError,
  objectUrl,
} from "../../src/sinks/object_storage/mod.ts";
import { sinkErrorKind } from "../../src/sinks/refusals.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";
import {
  type RunningS3rver,
  S3RVER_ACCESS_KEY_ID,
  S3RVER_NEEDS,
  S3RVER_SECRET_ACCESS_KEY,
  s3rverAvailable,
  s3rverStorageConfig,
  startS3rver,
} from "../helpers/s3rver.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

const ignore = !s3rverAvailable();

/** A test against a private s3rver, reported ignored (with why) where there is none. */
function s3Test(name: string, run: (server: RunningS3rver) => Promise<void>) {
  Deno.test({
    name: `object storage: ${name} (${S3RVER_NEEDS})`,
    ignore,
    async fn() {
      await using server = await startS3rver("traceone");
      await run(server);
    },
  });
}

function reader(config: ObjectStorageConfig) {
  const transport = aws4fetchTransport({
    accessKeyId: config.access_key_id,
    secretAccessKey: config.secret_access_key,
    region: config.region,
  });
  return {
    /** The object's bytes and content type, or null when there is none. */
    async get(key: string) {
      const response = await transport.send({ method: "GET", url: objectUrl(config, key) });
      if (response.status === 404) return null;
      assert.equal(response.status, 200, `GET ${key}`);
      return { body: response.body, type: response.headers.get("content-type") };
    },
    /** Every key under `prefix` (ListObjects, up to 1,000). */
    async keys(prefix = "") {
      const url = `${config.endpoint}/${config.bucket}?prefix=${encodeURIComponent(prefix)}`;
      const response = await transport.send({ method: "GET", url });
      assert.equal(response.status, 200);
      const xml = new TextDecoder().decode(response.body);
      return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1]).sort();
    },
  };
}

function batchOf(registration: string, sequence: number, size = 3): Batch {
  const notifications = Array.from(
    { length: size },
    (_, i) => makeNotification(sequence * 100 + i),
  );
  return {
    registration,
    sequence,
    pulledAt: new Date(Date.UTC(2026, 10, 30, 23, 59, 58) + sequence * 1000).toISOString(),
    notifications: journaled(registration, notifications),
  };
}

function encoded(batch: Batch, format: FileFormat): Uint8Array {
  return formatFor(format).encode(batch, { storageType: "object_storage" });
}

s3Test(
  "every notification of several batches is stored once, named as the local sink names it",
  async (server) => {
    const config = s3rverStorageConfig(server);
    const sink = createObjectStorageSink(config);
    const batches = [
      ...[1, 2, 3].map((n) => batchOf("REG_A", n)),
      ...[1, 2].map((n) => batchOf("weird/ref name", n)),
    ];
    for (const batch of batches) {
      const receipt = await sink.deliver(batch);
      assert.equal(receipt.written, 1);
      assert.equal(receipt.location, objectUrl(config, objectKey(batch, config)));
    }
    const local = await Deno.makeTempDir({ prefix: "object_storage_local_" });
    try {
      const localSink = createLocalSink({
        enabled: true,
        base_path: local,
        file_format: "json",
        organize_by_date: true,
        compress: false,
        file_permissions: 0o640,
      });
      const localFiles = [];
      for (const batch of batches) {
        const receipt = await localSink.deliver(batch);
        localFiles.push(receipt.location!.slice(local.length + 1));
      }
      const store = reader(config);
      const keys = await store.keys();
      assert.deepEqual(keys, localFiles.map((file) => `notifications/${file}`).sort());
      // Batches cross midnight: the date folders follow each batch's own pull time.
      assert.ok(keys.some((key) => key.startsWith("notifications/2026/12/01/REG_A/")), keys.join());
      const ids = new Set<string>();
      for (const batch of batches) {
        const object = await store.get(objectKey(batch, config));
        assert.deepEqual(object!.body, encoded(batch, "json"));
        assert.equal(object!.type, "application/json");
        const document = JSON.parse(new TextDecoder().decode(object!.body));
        assert.equal(document.metadata.storage_type, "object_storage");
        for (const n of document.notifications) ids.add(n.id);
      }
      const expected = batches.flatMap((batch) => batch.notifications.map((n) => n.id));
      assert.equal(expected.length, 15);
      assert.deepEqual([...ids].sort(), [...new Set(expected)].sort());
      assert.equal(sink.health().stored, batches.length);
      assert.equal(sink.health().status, "healthy");
    } finally {
      await Deno.remove(local, { recursive: true });
    }
    await sink.close();
  },
);

s3Test(
  "a re-delivered batch PUTs the same key with identical bytes: still one object",
  async (server) => {
    const config = s3rverStorageConfig(server, { prefix: "p/q" });
    const sink = createObjectStorageSink(config);
    const batch = trickyBatch();
    await sink.deliver(batch);
    const store = reader(config);
    const first = await store.get(objectKey(batch, config));
    await sink.deliver(batch);
    await sink.deliverMany!([batch, batch]);
    assert.deepEqual(await store.keys(), [objectKey(batch, config)]);
    assert.deepEqual((await store.get(objectKey(batch, config)))!.body, first!.body);
  },
);

s3Test("every format is stored as its encoder's bytes, gzipped when asked", async (server) => {
  const batch = trickyBatch();
  for (const format of ["json", "ndjson", "csv", "xml"] as FileFormat[]) {
    for (const compress of [false, true]) {
      const config = s3rverStorageConfig(server, { file_format: format, compress });
      await createObjectStorageSink(config).deliver(batch);
      const key = objectKey(batch, config);
      assert.ok(key.endsWith(compress ? `.${format}.gz` : `.${format}`), key);
      const object = await reader(config).get(key);
      const stored = compress ? new Uint8Array(gunzipSync(object!.body)) : object!.body;
      assert.deepEqual(stored, encoded(batch, format), `${format} ${compress}`);
      if (compress) assert.equal(object!.type, "application/gzip");
    }
  }
  assert.equal((await reader(s3rverStorageConfig(server)).keys()).length, 8);
});

s3Test(
  "the server stopped mid-run: deliveries fail as typed outages, then catch up after a restart",
  async (server) => {
    const config = s3rverStorageConfig(server, { timeout: 2 });
    const sink = createObjectStorageSink(config);
    const batches = Array.from({ length: 10 }, (_, i) => batchOf("REG_OUT", i + 1));
    await sink.deliverMany!(batches.slice(0, 4));
    await server.stop();
    for (const batch of batches.slice(4, 6)) {
      const error = await sink.deliver(batch).catch((e) => e);
      assert.ok(error instanceof ObjectStorageUnavailableError, String(error));
      assert.equal(error.code, "OBJECT_STORAGE_UNAVAILABLE");
      assert.equal(error.retryable, true);
      assert.equal(sinkErrorKind(error), "outage", "waits, never dead-lettered");
      assert.match(error.message, new RegExp(`bucket "traceone" at ${server.endpoint}`));
    }
    const many = await sink.deliverMany!(batches.slice(4)).catch((e) => e);
    assert.ok(many instanceof ObjectStorageUnavailableError);
    assert.equal(sink.health().status, "failing");
    assert.match(sink.health().lastError!, /unavailable/);

    await server.start();
    const receipt = await sink.deliverMany!(batches.slice(4));
    assert.equal(receipt.written, 6);
    assert.equal(sink.health().status, "healthy");
    const keys = await reader(config).keys();
    assert.deepEqual(keys, batches.map((batch) => objectKey(batch, config)).sort());
  },
);

s3Test(
  "a wrong bucket is the named configuration error, naming object_storage.bucket",
  async (server) => {
    const config = s3rverStorageConfig(server, { bucket: "no-such-bucket" });
    const sink = createObjectStorageSink(config);
    const error = await sink.deliver(trickyBatch()).catch((e) => e);
    assert.ok(error instanceof ObjectStorageConfigurationError, String(error));
    assert.equal(error.code, "OBJECT_STORAGE_NO_SUCH_BUCKET");
    assert.equal(error.retryable, false);
    assert.equal(sinkErrorKind(error), "outage", "an operator fixes it; nothing is dead-lettered");
    assert.match(error.message, /object_storage\.bucket/);
    assert.match(error.message, /bucket "no-such-bucket"/);
    assert.match(error.message, new RegExp(server.endpoint));
    assert.equal(sink.health().lastError, error.message);

    const check = await checkBucket(config);
    assert.equal(check.ok, false);
    assert.equal(
      !check.ok && (check.error as ObjectStorageConfigurationError).code,
      "OBJECT_STORAGE_NO_SUCH_BUCKET",
    );
    assert.deepEqual(await checkBucket(s3rverStorageConfig(server)), {
      ok: true,
      url: `${server.endpoint}/traceone/`,
    });
  },
);

s3Test(
  "unknown credentials: a named error that never shows the secret, nor does config show",
  async (server) => {
    const secret = "very-secret-value-9d3e1b";
    const config = s3rverStorageConfig(server, {
      access_key_id: "AKIDWRONG",
      secret_access_key: new Secret(secret),
    });
    const error = await createObjectStorageSink(config).deliver(trickyBatch()).catch((e) => e);
    assert.ok(error instanceof ObjectStorageConfigurationError, String(error));
    assert.equal(error.code, "OBJECT_STORAGE_INVALID_CREDENTIALS");
    assert.match(error.message, /object_storage\.access_key_id/);
    assert.match(error.message, /object_storage\.secret_access_key/);
    assert.ok(!error.message.includes(secret));
    assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(secret));
    const check = await checkBucket(config);
    assert.ok(!check.ok && !check.error.message.includes(secret));

    const loaded = parseConfig(yamlFor(server, { secret }), configOptions());
    const shown = showConfig(loaded);
    assert.ok(!shown.includes(secret), shown);
    assert.match(shown, /secret_access_key: "\*\*\*"|secret_access_key: \*\*\*/);
    assert.ok(!enabledSinks(loaded).join().includes(secret));
  },
);

s3Test(
  "wired through openSinks with the others, listed by config check, checked --online",
  async (server) => {
    const local = await Deno.makeTempDir({ prefix: "object_storage_wired_" });
    try {
      const config = parseConfig(
        yamlFor(server, { secret: S3RVER_SECRET_ACCESS_KEY, localPath: local }),
        configOptions(),
      );
      const opened = await openSinks(config);
      try {
        assert.deepEqual(opened.sinks.map((sink) => sink.name), [
          "local_storage",
          "object_storage",
        ]);
        const batch = trickyBatch();
        for (const sink of opened.sinks) await sink.deliver(batch);
        const stored = await reader(config.object_storage).get(
          objectKey(batch, config.object_storage),
        );
        const file = await Deno.readFile(
          join(local, objectKey(batch, { ...config.object_storage, prefix: "" })),
        );
        // The same notifications, each envelope naming its own storage type.
        assert.equal(
          JSON.parse(new TextDecoder().decode(stored!.body)).notifications.length,
          JSON.parse(new TextDecoder().decode(file)).notifications.length,
        );
      } finally {
        for (const sink of opened.sinks) await sink.close();
        await opened.close();
      }
      assert.deepEqual(enabledSinks(config).slice(1), [
        `object storage (${server.endpoint}, bucket traceone, prefix archive/dnb, json)`,
      ]);
      const io = recordingIo();
      assert.equal(await checkSinksOnline(config, io), true);
      assert.deepEqual(io.lines, [
        `out:   object storage: bucket traceone reachable at ${server.endpoint}/traceone/`,
      ]);
      const wrong = { ...config, object_storage: { ...config.object_storage, bucket: "missing" } };
      const failing = recordingIo();
      assert.equal(await checkSinksOnline(wrong, failing), false);
      assert.match(
        failing.lines[0],
        /^err: error: .*object_storage\.bucket.* \[OBJECT_STORAGE_NO_SUCH_BUCKET\]$/,
      );
    } finally {
      await Deno.remove(local, { recursive: true });
    }
  },
);

s3Test("measured: 100 batches, one by one and as one deliverMany", async (server) => {
  const config = s3rverStorageConfig(server, { prefix: "bench" });
  const sink = createObjectStorageSink(config);
  const one = Array.from({ length: 100 }, (_, i) => batchOf("REG_SEQ", i + 1, 50));
  const many = Array.from({ length: 100 }, (_, i) => batchOf("REG_PAR", i + 1, 50));
  let started = performance.now();
  for (const batch of one) await sink.deliver(batch);
  const sequentialMs = performance.now() - started;
  started = performance.now();
  await sink.deliverMany!(many);
  const parallelMs = performance.now() - started;
  console.log(
    `object storage against s3rver: 100 batches of 50 notifications: one by one ` +
      `${sequentialMs.toFixed(0)} ms, deliverMany ${parallelMs.toFixed(0)} ms`,
  );
  assert.equal((await reader(config).keys("bench/")).length, 200);
});

function yamlFor(server: RunningS3rver, options: { secret: string; localPath?: string }): string {
  return `
environment: test
simulator:
  enabled: true
database:
  enabled: false
local_storage:
  enabled: ${options.localPath !== undefined}
  base_path: ${JSON.stringify(options.localPath ?? "./notifications")}
object_storage:
  enabled: true
  endpoint: "${server.endpoint}/"
  bucket: traceone
  access_key_id: ${S3RVER_ACCESS_KEY_ID}
  secret_access_key: ${JSON.stringify(options.secret)}
  prefix: /archive/dnb/
  timeout: 5
`;
}

function configOptions() {
  return { source: null, env: () => undefined, cwd: "/tmp", home: null };
}

function recordingIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  let code = 0;
  return {
    lines,
    out: (line) => lines.push(`out: ${line}`),
    err: (line) => lines.push(`err: ${line}`),
    progress: () => {},
    isTerminal: false,
    errIsTerminal: false,
    env: () => undefined,
    cwd: "/tmp",
    setExitCode: (value) => code = value,
    exitCode: () => code,
  };
}
