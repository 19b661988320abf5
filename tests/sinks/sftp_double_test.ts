import assert from "node:assert/strict";
import { posix } from "node:path";
import type { SftpStorageConfig } from "../../src/config/config.ts";
import { Secret } from "../../src/model/secret.ts";
import { formatFor } from "../../src/sinks/format.ts";
import { batchFilePath } from "../../src/sinks/layout.ts";
import {
  createSftpSink,
  type RemoteStat,
  SftpConfigurationError,
  SftpConnectFailure,
  type SftpConnectOptions,
  type SftpConnector,
  sftpFingerprint,
  SftpHostKeyMismatchError,
  type SftpSession,
  SftpSinkClosedError,
  type SftpStatus,
  SftpStatusError,
  SftpUnavailableError,
  SftpWriteError,
} from "../../src/sinks/sftp/mod.ts";
import { type Batch, SinkRejectedError } from "../../src/sinks/sink.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

// An SFTP server in memory, behind the sink's own session interface: it shows what the sink
// asks for (calls, concurrency) and fails on cue, which a real server cannot do on demand.

type Operation = "mkdir" | "stat" | "write" | "posixRename" | "rename" | "unlink";

/** What a scripted fault does to one request: a status answer, a dropped connection, silence. */
type Fault = { status: SftpStatus } | "drop" | "hang";

const HOST_KEY = new Uint8Array([0, 0, 0, 11, ...new TextEncoder().encode("ssh-ed25519"), 1, 2, 3]);

class MemoryServer implements SftpConnector {
  readonly files = new Map<string, Uint8Array>();
  readonly folders = new Set<string>(["/"]);
  readonly calls: string[] = [];
  readonly sessions: MemorySession[] = [];
  supportsPosixRename = true;
  connects = 0;
  /** mkdir of a folder that exists: what two uploads racing to create one folder cause. */
  mkdirExisting = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Decides the fate of each request; undefined lets it through. */
  fault: (operation: Operation, path: string) => Fault | undefined = () => undefined;
  refuseConnect: SftpConnectFailure | null = null;

  connect(options: SftpConnectOptions): Promise<SftpSession> {
    this.connects++;
    if (!options.verifyHostKey(HOST_KEY)) {
      return Promise.reject(new SftpConnectFailure("host_key_refused", "Host denied"));
    }
    if (this.refuseConnect) return Promise.reject(this.refuseConnect);
    const session = new MemorySession(this);
    this.sessions.push(session);
    return Promise.resolve(session);
  }

  /** Files, without folders, sorted. */
  listing(): string[] {
    return [...this.files.keys()].sort();
  }
}

class MemorySession implements SftpSession {
  closed = false;
  readonly #server: MemoryServer;

  constructor(server: MemoryServer) {
    this.#server = server;
  }

  mkdir(path: string): Promise<void> {
    return this.#run("mkdir", path, () => {
      const server = this.#server;
      if (server.folders.has(path)) server.mkdirExisting++;
      if (server.folders.has(path) || server.files.has(path)) throw status("failure", path);
      if (!server.folders.has(posix.dirname(path))) throw status("no_such_file", path);
      server.folders.add(path);
    });
  }

  stat(path: string): Promise<RemoteStat> {
    return this.#run("stat", path, () => {
      if (this.#server.folders.has(path)) return { isDirectory: true };
      if (this.#server.files.has(path)) return { isDirectory: false };
      throw status("no_such_file", path);
    });
  }

  writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
    return this.#run("write", path, () => {
      if (!this.#server.folders.has(posix.dirname(path))) throw status("no_such_file", path);
      if (this.#server.files.has(path)) throw status("failure", path);
      this.#server.files.set(path, bytes.slice());
    });
  }

  posixRename(from: string, to: string): Promise<boolean> {
    return this.#run("posixRename", to, () => {
      if (!this.#server.supportsPosixRename) return false;
      this.#move(from, to);
      return true;
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.#run("rename", to, () => {
      // SFTP v3: no replacing.
      if (this.#server.files.has(to)) throw status("failure", to);
      this.#move(from, to);
    });
  }

  unlink(path: string): Promise<void> {
    return this.#run("unlink", path, () => {
      if (!this.#server.files.delete(path)) throw status("no_such_file", path);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  #move(from: string, to: string) {
    const bytes = this.#server.files.get(from);
    if (!bytes) throw status("no_such_file", from);
    this.#server.files.delete(from);
    this.#server.files.set(to, bytes);
  }

  async #run<T>(operation: Operation, path: string, apply: () => T): Promise<T> {
    const server = this.#server;
    if (this.closed) throw new Error("the SSH connection is closed");
    server.calls.push(`${operation} ${path}`);
    server.inFlight++;
    server.maxInFlight = Math.max(server.maxInFlight, server.inFlight);
    try {
      // A round trip: lets parallel requests overlap as they would on a network.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const fault = server.fault(operation, path);
      if (fault === "hang") return await new Promise<T>(() => {});
      if (fault === "drop") {
        this.closed = true;
        throw new Error("No response from server");
      }
      if (fault) throw status(fault.status, path);
      if (this.closed) throw new Error("No response from server");
      return apply();
    } finally {
      server.inFlight--;
    }
  }
}

function status(kind: SftpStatus, path: string): SftpStatusError {
  return new SftpStatusError(kind, path, kind);
}

function configFor(overrides: Partial<SftpStorageConfig> = {}): SftpStorageConfig {
  return {
    enabled: true,
    hostname: "sftp.example.com",
    port: 2222,
    username: "traceone",
    private_key_path: null,
    passphrase: null,
    password: new Secret("s3cret-password"),
    host_key_fingerprint: sftpFingerprint(HOST_KEY),
    known_hosts_path: null,
    remote_base_path: "/upload/notifications",
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 5,
    connections: 4,
    keepalive_interval: 10,
    file_permissions: 0o640,
    ...overrides,
  };
}

function setup(overrides: Partial<SftpStorageConfig> = {}) {
  const server = new MemoryServer();
  server.folders.add("/upload");
  const config = configFor(overrides);
  const sink = createSftpSink(config, { connector: server });
  return { server, sink, config };
}

function batchOf(sequence: number, registration = "REG_A"): Batch {
  return {
    registration,
    sequence,
    pulledAt: "2026-11-01T10:00:05.000Z",
    notifications: journaled(registration, [makeNotification(sequence)]),
  };
}

function pathOf(config: SftpStorageConfig, batch: Batch): string {
  return posix.join(
    config.remote_base_path,
    batchFilePath(batch, { format: "json", compress: false, organizeByDate: true }),
  );
}

function encoded(batch: Batch): Uint8Array {
  return formatFor("json").encode(batch, { storageType: "sftp" });
}

Deno.test("sftp double: the upload goes to a temp name, then posix-rename over the final name", async () => {
  const { server, sink, config } = setup();
  const batch = batchOf(1);
  const receipt = await sink.deliver(batch);
  const path = pathOf(config, batch);
  assert.deepEqual(receipt, { written: 1, bytes: encoded(batch).length, location: path });
  assert.deepEqual(server.listing(), [path]);
  assert.deepEqual(server.files.get(path), encoded(batch));
  const writes = server.calls.filter((call) => call.startsWith("write "));
  assert.equal(writes.length, 1);
  assert.match(writes[0], /\/\.notifications_20261101_100005_001\.json\.[0-9a-f]{16}\.tmp$/);
  assert.equal(posix.dirname(writes[0].slice(6)), posix.dirname(path));
  assert.deepEqual(server.calls.slice(-1), [`posixRename ${path}`]);
  await sink.close();
});

Deno.test("sftp double: without posix-rename, the old file is removed, then the temp renamed", async () => {
  const { server, sink, config } = setup();
  server.supportsPosixRename = false;
  const batch = batchOf(1);
  await sink.deliver(batch);
  server.files.set(pathOf(config, batch), new TextEncoder().encode("stale"));
  await sink.deliver(batch);
  assert.deepEqual(server.listing(), [pathOf(config, batch)]);
  assert.deepEqual(server.files.get(pathOf(config, batch)), encoded(batch));
  assert.deepEqual(server.calls.slice(-3).map((call) => call.split(" ")[0]), [
    "posixRename",
    "unlink",
    "rename",
  ]);
  await sink.close();
});

Deno.test("sftp double: folders are created once, parents first, even for parallel uploads", async () => {
  const { server, sink } = setup();
  const batches = Array.from({ length: 12 }, (_, i) => batchOf(i + 1, `REG_${i % 3}`));
  await Promise.all(batches.slice(0, 6).map((batch) => sink.deliver(batch)));
  // mkdir -p: each new folder is tried, found to lack its parent, and made after the parent.
  const created = [
    "/upload/notifications",
    "/upload/notifications/2026",
    "/upload/notifications/2026/11",
    "/upload/notifications/2026/11/01",
    "/upload/notifications/2026/11/01/REG_0",
    "/upload/notifications/2026/11/01/REG_1",
    "/upload/notifications/2026/11/01/REG_2",
  ];
  const mkdirs = () => server.calls.filter((call) => call.startsWith("mkdir "));
  const firstRound = mkdirs();
  for (const folder of created) {
    assert.ok(server.folders.has(folder), folder);
    const tries = firstRound.filter((call) => call === `mkdir ${folder}`).length;
    assert.ok(tries >= 1 && tries <= 2, `${folder}: ${tries} mkdir calls`);
  }
  assert.equal(server.mkdirExisting, 0);
  await sink.deliverMany!(batches.slice(6));
  await Promise.all(batches.map((batch) => sink.deliver(batch)));
  assert.deepEqual(mkdirs(), firstRound);
  assert.equal(server.listing().length, 12);
  await sink.close();
});

Deno.test("sftp double: a folder removed behind the sink's back is created again", async () => {
  const { server, sink, config } = setup({ organize_by_date: false });
  await sink.deliver(batchOf(1));
  server.folders.delete("/upload/notifications/REG_A");
  for (const path of [...server.files.keys()]) server.files.delete(path);
  await sink.deliver(batchOf(2));
  assert.deepEqual(server.listing(), [
    posix.join(config.remote_base_path, "REG_A/notifications_20261101_100005_002.json"),
  ]);
  await sink.close();
});

Deno.test("sftp double: at most `connections` connections, each used by one upload at a time", async () => {
  const { server, sink } = setup({ connections: 2 });
  await Promise.all(Array.from({ length: 20 }, (_, i) => sink.deliver(batchOf(i + 1))));
  assert.equal(server.connects, 2);
  assert.ok(server.maxInFlight <= 2, `max in flight ${server.maxInFlight}`);
  assert.equal(server.listing().length, 20);
  await sink.close();
  assert.ok(server.sessions.every((session) => session.closed));
});

Deno.test("sftp double: a request without an answer is SFTP_UNAVAILABLE after `timeout`", async () => {
  const { server, sink } = setup({ timeout: 0.05 });
  server.fault = (operation) => operation === "write" ? "hang" : undefined;
  const started = Date.now();
  const error = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(error instanceof SftpUnavailableError, String(error));
  assert.match(error.message, /no answer within 0.05 s/);
  assert.ok(Date.now() - started < 2_000);
  // The connection that timed out is never used again.
  assert.ok(server.sessions[0].closed);
  server.fault = () => undefined;
  await sink.deliver(batchOf(1));
  assert.equal(server.connects, 2);
  await sink.close();
});

Deno.test("sftp double: a reused connection that died while idle is replaced, once", async () => {
  const { server, sink } = setup({ connections: 1 });
  await sink.deliver(batchOf(1));
  let drops = 1;
  server.fault = (operation) => operation === "write" && drops-- > 0 ? "drop" : undefined;
  await sink.deliver(batchOf(2));
  assert.equal(server.connects, 2);
  assert.equal(server.listing().length, 2);

  // A fresh connection failing the same way is an outage, not retried in a loop.
  server.fault = (operation) => operation === "write" ? "drop" : undefined;
  const error = await sink.deliver(batchOf(3)).then(() => null, (e) => e);
  assert.ok(error instanceof SftpUnavailableError, String(error));
  assert.equal(error.code, "SFTP_UNAVAILABLE");
  assert.match(error.message, /connection was lost/);
  // The reused one dropped, then the fresh one: one retry, not more.
  assert.equal(server.connects, 3);
  await sink.close();
});

Deno.test("sftp double: a temp file stranded by a lost connection is removed after the next success", async () => {
  const { server, sink } = setup({ connections: 1 });
  server.fault = (operation) => operation === "posixRename" ? "drop" : undefined;
  const error = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(error instanceof SftpUnavailableError, String(error));
  assert.ok(server.listing().some((path) => path.endsWith(".tmp")));
  server.fault = () => undefined;
  await sink.deliver(batchOf(1));
  assert.ok(server.listing().every((path) => !path.endsWith(".tmp")), server.listing().join());
  assert.equal(server.listing().length, 1);
  await sink.close();
});

Deno.test("sftp double: deliverMany stores nothing when one upload fails", async () => {
  const { server, sink } = setup();
  const batches = Array.from({ length: 8 }, (_, i) => batchOf(i + 1));
  server.fault = (operation, path) =>
    operation === "write" && path.includes("_005.json") ? { status: "failure" } : undefined;
  const error = await sink.deliverMany!(batches).then(() => null, (e) => e);
  assert.ok(error instanceof SftpWriteError, String(error));
  assert.equal(error.code, "SFTP_WRITE_FAILED");
  assert.equal(error.retryable, true);
  assert.deepEqual(server.listing(), []);
  assert.ok(!server.calls.some((call) => call.startsWith("posixRename")));
  server.fault = () => undefined;
  const receipt = await sink.deliverMany!(batches);
  assert.equal(receipt.written, 8);
  assert.equal(server.listing().length, 8);
  await sink.close();
});

Deno.test("sftp double: permission denied and missing paths are SFTP_CONFIGURATION with the path", async () => {
  const { server, sink } = setup();
  server.fault = (operation, path) =>
    operation === "mkdir" && path === "/upload/notifications"
      ? { status: "permission_denied" }
      : undefined;
  const denied = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(denied instanceof SftpConfigurationError, String(denied));
  assert.equal(denied.path, "/upload/notifications");
  assert.match(denied.message, /permission denied on sftp\.example\.com:2222/);
  assert.match(denied.message, /user "traceone"/);

  server.fault = (operation) => operation === "write" ? { status: "no_such_file" } : undefined;
  const missing = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(missing instanceof SftpConfigurationError, String(missing));
  assert.match(missing.message, /even after creating its folders/);
  assert.match(missing.path, /\/upload\/notifications\/2026\/11\/01\/REG_A\/\..*\.tmp$/);
  assert.equal(sink.health().errors, 2);
  assert.equal(sink.health().status, "degraded");
  await sink.close();
});

Deno.test("sftp double: a wrong host key pin refuses before login, with the presented fingerprint", async () => {
  const { server, sink } = setup({ host_key_fingerprint: "SHA256:" + "B".repeat(43) });
  const error = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(error instanceof SftpHostKeyMismatchError, String(error));
  assert.equal(error.presentedFingerprint, sftpFingerprint(HOST_KEY));
  assert.equal(error.keyType, "ssh-ed25519");
  assert.equal(server.sessions.length, 0);
  assert.deepEqual(server.listing(), []);
  await sink.close();
});

Deno.test("sftp double: a key file that cannot be read is SFTP_CONFIGURATION naming it", async () => {
  const { sink } = setup({ private_key_path: "/nonexistent/id_ed25519", password: null });
  const error = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(error instanceof SftpConfigurationError, String(error));
  assert.equal(error.path, "/nonexistent/id_ed25519");
  assert.match(error.message, /private_key_path/);
  await sink.close();
});

Deno.test("sftp double: connect failures map to typed errors without secrets", async () => {
  const { server, sink } = setup();
  server.refuseConnect = new SftpConnectFailure("timeout", "Timed out while waiting for handshake");
  const timeout = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.ok(timeout instanceof SftpUnavailableError, String(timeout));
  assert.match(timeout.message, /timed out/);
  server.refuseConnect = new SftpConnectFailure("auth_failed", "All methods failed");
  const auth = await sink.deliver(batchOf(1)).then(() => null, (e) => e);
  assert.equal(auth.code, "SFTP_AUTH_FAILED");
  assert.match(auth.message, /tried password/);
  assert.ok(!auth.message.includes("s3cret-password"));
  await sink.close();
});

Deno.test("sftp double: an unencodable notification is refused alone, nothing is uploaded", async () => {
  const { server, sink } = setup();
  const batch = trickyBatch();
  // Raw text that is not JSON (a corrupted journal entry): the only input an encoder fails on.
  batch.notifications[2].raw = '{"type\\x": 1}';
  const error = await sink.deliver(batch).then(() => null, (e) => e);
  assert.ok(error instanceof SinkRejectedError, String(error));
  assert.equal(error.sink, "sftp_storage");
  assert.deepEqual(error.rejected.map((r) => r.id), [batch.notifications[2].id]);
  assert.equal(server.connects, 0);
  assert.equal(sink.health().status, "healthy");
  await sink.close();
});

Deno.test("sftp double: an aborted delivery writes nothing; close ends every connection", async () => {
  const { server, sink } = setup();
  const controller = new AbortController();
  controller.abort(new Error("shutting down"));
  await assert.rejects(sink.deliver(batchOf(1), { signal: controller.signal }), /shutting down/);
  assert.equal(server.connects, 0);
  await sink.deliver(batchOf(1));
  await sink.close();
  assert.ok(server.sessions.every((session) => session.closed));
  await assert.rejects(
    sink.deliver(batchOf(2)),
    (error) => error instanceof SftpSinkClosedError && error.code === "SFTP_SINK_CLOSED",
  );
});

Deno.test("sftp double: close waits for an upload in flight", async () => {
  const { server, sink } = setup();
  const delivery = sink.deliver(batchOf(1));
  await new Promise((resolve) => setTimeout(resolve, 0));
  await sink.close();
  await delivery;
  assert.equal(server.listing().length, 1);
  assert.ok(server.sessions.every((session) => session.closed));
});
