import { safeSegment } from "../../src/sinks/layout.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { FileFormat, LocalStorageConfig } from "../../src/config/config.ts";
import {
  type AtomicFileIo,
  AtomicWriteError,
  folderModeFor,
  writeFileAtomic,
} from "../../src/sinks/atomic_file.ts";
import { gzipBytes } from "../../src/sinks/compress.ts";
import { formatFor } from "../../src/sinks/format.ts";
import { batchFilePath } from "../../src/sinks/layout.ts";
import {
  createLocalSink,
  LOCAL_SINK_NAME,
  LocalSinkClosedError,
  type LocalSinkOptions,
  LocalWriteError,
} from "../../src/sinks/local.ts";
import { SinkRejectedError } from "../../src/sinks/sink.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "local_sink_test_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function configFor(basePath: string, overrides: Partial<LocalStorageConfig> = {}) {
  const config: LocalStorageConfig = {
    enabled: true,
    base_path: basePath,
    file_format: "json",
    organize_by_date: true,
    compress: false,
    file_permissions: 0o640,
    ...overrides,
  };
  return config;
}

function sinkAt(basePath: string, overrides: Partial<LocalStorageConfig> = {}) {
  return createLocalSink(configFor(basePath, overrides));
}

/** Every file and folder under `dir`, hidden ones included, relative and sorted. */
async function listAll(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    found.push(entry.isDirectory ? relative + "/" : relative);
    if (entry.isDirectory) found.push(...await listAll(dir, relative));
  }
  return found.sort();
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await listAll(dir)).filter((path) => !path.endsWith("/"));
}

const EXPECTED_FILE = "2024/02/25/ACME_PULL_01/notifications_20240225_162108_007.json";

function enospc(): Error {
  return Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
}

Deno.test("local: one batch becomes one file at the layout path, and the receipt says so", async () => {
  await withTempDir(async (base) => {
    const sink = sinkAt(base);
    assert.equal(sink.name, LOCAL_SINK_NAME);
    assert.equal(sink.name, "local_storage");
    const receipt = await sink.deliver(trickyBatch());
    const path = join(base, ...EXPECTED_FILE.split("/"));
    assert.deepEqual(await filesUnder(base), [EXPECTED_FILE]);
    const bytes = await Deno.readFile(path);
    assert.deepEqual(receipt, { written: 1, bytes: bytes.length, location: path });
    const document = JSON.parse(new TextDecoder().decode(bytes));
    assert.equal(document.metadata.storage_type, "local_file");
    assert.equal(document.notifications.length, 4);
    await sink.close();
  });
});

Deno.test("local: every format is written as its encoder's bytes, gzipped when asked", async () => {
  for (const format of ["json", "ndjson", "csv", "xml"] as FileFormat[]) {
    for (const compress of [false, true]) {
      await withTempDir(async (base) => {
        const batch = trickyBatch();
        const receipt = await sinkAt(base, { file_format: format, compress }).deliver(batch);
        const relative = batchFilePath(batch, { format, compress, organizeByDate: true });
        assert.equal(receipt.location, join(base, relative));
        assert.equal(relative.endsWith(compress ? `.${format}.gz` : `.${format}`), true);
        const stored = await Deno.readFile(receipt.location!);
        const expected = formatFor(format).encode(batch, { storageType: "local_file" });
        assert.deepEqual(compress ? new Uint8Array(gunzipSync(stored)) : stored, expected);
        assert.equal(receipt.bytes, stored.length);
      });
    }
  }
});

Deno.test("gzip: round-trips, and the same input always gives the same bytes", () => {
  const input = formatFor("json").encode(trickyBatch(), { storageType: "local_file" });
  const first = gzipBytes(input);
  const again = gzipBytes(input.slice());
  assert.deepEqual(again, first);
  assert.deepEqual(new Uint8Array(gunzipSync(first)), input);
  assert.deepEqual([...first.subarray(0, 3)], [0x1f, 0x8b, 8], "gzip magic, deflate");
  assert.equal(first[3], 0, "no flags: no file name, no header CRC");
  assert.deepEqual([...first.subarray(4, 8)], [0, 0, 0, 0], "mtime zero");
  assert.equal(first[9], 255, "OS unknown");
  assert.ok(first.length < input.length);
});

Deno.test("local: organize_by_date false writes under the registration folder", async () => {
  await withTempDir(async (base) => {
    await sinkAt(base, { organize_by_date: false }).deliver(trickyBatch());
    assert.deepEqual(await filesUnder(base), [
      "ACME_PULL_01/notifications_20240225_162108_007.json",
    ]);
  });
});

Deno.test("local: a hostile registration stays inside base_path", async () => {
  await withTempDir(async (dir) => {
    const base = join(dir, "base");
    await sinkAt(base, { organize_by_date: false }).deliver(
      trickyBatch({ registration: "../../escape" }),
    );
    const folder = safeSegment("../../escape");
    assert.match(folder, /^\.\._\.\._escape~[0-9a-f]{12}$/);
    assert.deepEqual(await listAll(dir), [
      "base/",
      `base/${folder}/`,
      `base/${folder}/notifications_20240225_162108_007.json`,
    ]);
  });
});

Deno.test("local: file_permissions apply to files and the matching mode to new folders", async () => {
  const previousUmask = Deno.umask(0o077);
  try {
    await withTempDir(async (dir) => {
      const base = join(dir, "notifications");
      await sinkAt(base, { file_permissions: 0o640 }).deliver(trickyBatch());
      const file = join(base, ...EXPECTED_FILE.split("/"));
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o640);
      for (const folder of ["", "2024", "2024/02", "2024/02/25", "2024/02/25/ACME_PULL_01"]) {
        assert.equal((await Deno.stat(join(base, folder))).mode! & 0o777, 0o750, folder);
      }
      // A folder that was already there keeps its own mode.
      assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    });
  } finally {
    Deno.umask(previousUmask);
  }
});

Deno.test("local: a re-delivery leaves exactly one file with identical bytes", async () => {
  await withTempDir(async (base) => {
    const sink = sinkAt(base, { file_format: "xml", compress: true });
    const first = await sink.deliver(trickyBatch());
    const bytes = await Deno.readFile(first.location!);
    // A file damaged in between is replaced whole.
    await Deno.writeTextFile(first.location!, "damaged");
    const second = await createLocalSink(configFor(base, { file_format: "xml", compress: true }))
      .deliver(trickyBatch());
    assert.deepEqual(second, first);
    assert.deepEqual(await Deno.readFile(second.location!), bytes);
    assert.equal((await filesUnder(base)).length, 1);
    assert.deepEqual(sink.health().stored, 1);
  });
});

Deno.test("local: batches of other sequences and registrations get their own files", async () => {
  await withTempDir(async (base) => {
    const sink = sinkAt(base);
    await sink.deliver(trickyBatch());
    await sink.deliver(trickyBatch({ sequence: 8, pulledAt: "2024-02-25T16:26:08.000Z" }));
    await sink.deliver(trickyBatch({ registration: "OTHER" }));
    assert.deepEqual(await filesUnder(base), [
      "2024/02/25/ACME_PULL_01/notifications_20240225_162108_007.json",
      "2024/02/25/ACME_PULL_01/notifications_20240225_162608_008.json",
      "2024/02/25/OTHER/notifications_20240225_162108_007.json",
    ]);
  });
});

Deno.test("local: health counts files, bytes and errors", async () => {
  await withTempDir(async (dir) => {
    const sink = sinkAt(join(dir, "base"));
    assert.deepEqual(sink.health(), {
      status: "healthy",
      stored: 0,
      bytes: 0,
      errors: 0,
      lastWriteAt: null,
      lastError: null,
    });
    const a = await sink.deliver(trickyBatch());
    const b = await sink.deliver(trickyBatch({ sequence: 8 }));
    const healthy = sink.health();
    assert.equal(healthy.status, "healthy");
    assert.equal(healthy.stored, 2);
    assert.equal(healthy.bytes, a.bytes! + b.bytes!);
    assert.equal(healthy.errors, 0);
    assert.ok(healthy.lastWriteAt !== null && !Number.isNaN(Date.parse(healthy.lastWriteAt)));

    // Turn the base folder into a file: every write now fails.
    await Deno.remove(join(dir, "base"), { recursive: true });
    await Deno.writeTextFile(join(dir, "base"), "in the way");
    await assert.rejects(sink.deliver(trickyBatch()), LocalWriteError);
    assert.equal(sink.health().status, "degraded");
    await assert.rejects(sink.deliver(trickyBatch()), LocalWriteError);
    await assert.rejects(sink.deliver(trickyBatch()), LocalWriteError);
    const failing = sink.health();
    assert.equal(failing.status, "failing");
    assert.equal(failing.errors, 3);
    assert.equal(failing.stored, 2);
    assert.match(failing.lastError!, /cannot write/);
  });
});

Deno.test("local: a folder that cannot be made is an outage naming the path, not a rejection", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "file"), "not a folder");
    const base = join(dir, "file", "notifications");
    const error = await sinkAt(base).deliver(trickyBatch()).then(
      () => assert.fail("the write should fail"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof LocalWriteError);
    assert.ok(!(error instanceof SinkRejectedError));
    assert.equal(error.code, "LOCAL_WRITE_FAILED");
    assert.equal(error.osCode, "ENOTDIR");
    assert.equal(error.path, join(base, ...EXPECTED_FILE.split("/")));
    assert.ok(error.message.includes(error.path), error.message);
    assert.match(error.message, /local_storage\.base_path/);
    assert.ok(error.cause instanceof AtomicWriteError);
    assert.equal(error.cause.step, "mkdir");
    assert.deepEqual(await listAll(dir), ["file"]);
  });
});

Deno.test("local: a full disk fails the delivery, leaves no temp file and keeps the old file", async () => {
  await withTempDir(async (base) => {
    const first = await sinkAt(base).deliver(trickyBatch());
    const old = await Deno.readFile(first.location!);
    await Deno.writeTextFile(first.location!, "old content");
    const failing: LocalSinkOptions = {
      io: {
        async write(file, bytes) {
          await file.write(bytes.subarray(0, 10));
          throw enospc();
        },
      },
    };
    const sink = createLocalSink(configFor(base), failing);
    const error = await sink.deliver(trickyBatch()).catch((error: unknown) => error);
    assert.ok(error instanceof LocalWriteError, String(error));
    assert.equal(error.osCode, "ENOSPC");
    assert.match(error.message, /free space/);
    assert.equal(sink.health().errors, 1);
    assert.deepEqual(await filesUnder(base), [EXPECTED_FILE]);
    assert.equal(await Deno.readTextFile(first.location!), "old content");
    // Once the disk has room again, the retry writes the whole file.
    await sinkAt(base).deliver(trickyBatch());
    assert.deepEqual(await Deno.readFile(first.location!), old);
  });
});

Deno.test("local: an unencodable notification is refused alone; the rest is not", async () => {
  await withTempDir(async (base) => {
    const batch = trickyBatch();
    // Raw text that is not JSON (a corrupted journal entry): the only input an encoder fails on.
    batch.notifications[2].raw = '{"type\\x": 1}';
    const sink = sinkAt(base);
    const error = await sink.deliver(batch).catch((error: unknown) => error);
    assert.ok(error instanceof SinkRejectedError, String(error));
    assert.equal(error.sink, "local_storage");
    assert.deepEqual(error.rejected.map((r) => r.id), [batch.notifications[2].id]);
    assert.match(error.rejected[0].reason, /cannot encode: .*JSON/);
    assert.deepEqual(await listAll(base), []);
    assert.equal(sink.health().errors, 1);
  });
});

Deno.test("local: an aborted delivery writes nothing; a closed sink refuses", async () => {
  await withTempDir(async (base) => {
    const sink = sinkAt(base);
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await assert.rejects(
      sink.deliver(trickyBatch(), { signal: controller.signal }),
      /shutting down/,
    );
    assert.deepEqual(await listAll(base), []);
    await sink.close();
    await assert.rejects(
      sink.deliver(trickyBatch()),
      (error) => error instanceof LocalSinkClosedError && error.code === "LOCAL_SINK_CLOSED",
    );
  });
});

Deno.test("atomic: folder mode adds execute where read is granted, and owner rwx", () => {
  assert.equal(folderModeFor(0o640), 0o750);
  assert.equal(folderModeFor(0o600), 0o700);
  assert.equal(folderModeFor(0o644), 0o755);
  assert.equal(folderModeFor(0o604), 0o705);
  assert.equal(folderModeFor(0o440), 0o750);
});

Deno.test("atomic: success leaves the file and no temp file, and syncs every touched folder", async () => {
  await withTempDir(async (dir) => {
    const synced: string[] = [];
    const renames: [string, string][] = [];
    const path = join(dir, "a", "b", "file.txt");
    await writeFileAtomic(path, new TextEncoder().encode("hello"), {
      mode: 0o600,
      io: {
        async rename(from, to) {
          renames.push([from, to]);
          await Deno.rename(from, to);
        },
        async syncFolder(folder) {
          synced.push(folder);
          using handle = await Deno.open(folder, { read: true });
          await handle.sync();
        },
      },
    });
    assert.equal(await Deno.readTextFile(path), "hello");
    assert.deepEqual(await listAll(dir), ["a/", "a/b/", "a/b/file.txt"]);
    // The temp file was a dot file in the target folder, so the rename stays on one file system.
    assert.equal(renames.length, 1);
    assert.match(renames[0][0], /\/a\/b\/\.file\.txt\.[0-9a-f]{16}\.tmp$/);
    assert.equal(renames[0][1], path);
    // The file's folder, then the parents of the two folders created on the way.
    assert.deepEqual(synced, [join(dir, "a", "b"), dir, join(dir, "a")]);
  });
});

Deno.test("atomic: a reader sees the old bytes until the rename", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "file.txt");
    await Deno.writeTextFile(path, "old");
    const seenDuringWrite: string[] = [];
    await writeFileAtomic(path, new TextEncoder().encode("new and longer"), {
      mode: 0o644,
      io: {
        async write(file, bytes) {
          await file.write(bytes.subarray(0, 3));
          seenDuringWrite.push(await Deno.readTextFile(path));
          await file.write(bytes.subarray(3));
          seenDuringWrite.push(await Deno.readTextFile(path));
        },
      },
    });
    assert.deepEqual(seenDuringWrite, ["old", "old"]);
    assert.equal(await Deno.readTextFile(path), "new and longer");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644);
  });
});

Deno.test("atomic: a failure at any step before the rename leaves no temp and no file", async () => {
  const failures: [string, Partial<AtomicFileIo>][] = [
    ["write", { write: () => Promise.reject(enospc()) }],
    ["rename", { rename: () => Promise.reject(new Error("rename refused")) }],
  ];
  for (const [step, io] of failures) {
    await withTempDir(async (dir) => {
      const path = join(dir, "sub", "file.txt");
      const error = await writeFileAtomic(path, new Uint8Array([1, 2, 3]), { mode: 0o640, io })
        .catch((error: unknown) => error);
      assert.ok(error instanceof AtomicWriteError, String(error));
      assert.equal(error.code, "ATOMIC_WRITE_FAILED");
      assert.equal(error.step, step);
      assert.equal(error.path, path);
      assert.deepEqual(await listAll(dir), ["sub/"], step);
    });
  }
});

Deno.test("atomic: a rename onto a folder fails for real, and the temp file is removed", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "taken");
    await Deno.mkdir(path);
    const error = await writeFileAtomic(path, new Uint8Array([1]), { mode: 0o640 })
      .catch((error: unknown) => error);
    assert.ok(error instanceof AtomicWriteError, String(error));
    assert.equal(error.step, "rename");
    assert.equal(error.osCode, "EISDIR");
    assert.deepEqual(await listAll(dir), ["taken/"]);
  });
});

Deno.test("atomic: a folder sync failure after the rename is reported; the file is complete", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "file.txt");
    const error = await writeFileAtomic(path, new TextEncoder().encode("done"), {
      mode: 0o640,
      io: { syncFolder: () => Promise.reject(new Error("EIO")) },
    }).catch((error: unknown) => error);
    assert.ok(error instanceof AtomicWriteError);
    assert.equal(error.step, "sync_folder");
    assert.deepEqual(await listAll(dir), ["file.txt"]);
    assert.equal(await Deno.readTextFile(path), "done");
  });
});
