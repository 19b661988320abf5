import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { FileFormat, SftpStorageConfig } from "../../src/config/config.ts";
import { Secret } from "../../src/model/secret.ts";
import { gzipBytes } from "../../src/sinks/compress.ts";
import { formatFor } from "../../src/sinks/format.ts";
import { batchFilePath } from "../../src/sinks/layout.ts";
import {
  createSftpSink,
  SFTP_SINK_NAME,
  SftpAuthFailedError,
  SftpConfigurationError,
  type SftpConnector,
  SftpHostKeyMismatchError,
  SftpSinkClosedError,
  SftpUnavailableError,
  ssh2Connector,
} from "../../src/sinks/sftp/mod.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";
import {
  CLIENT_KEY_PASSPHRASE,
  run,
  type RunningSshd,
  SSHD_NEEDS,
  sshdAvailable,
  startSshd,
  type StartSshdOptions,
} from "../helpers/sshd.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

const ignore = !sshdAvailable();
const EXPECTED_FILE = "2024/02/25/ACME_PULL_01/notifications_20240225_162108_007.json";

/** A test against a private OpenSSH server, reported ignored (with why) where there is none. */
function sshdTest(
  name: string,
  fn: (sshd: RunningSshd) => Promise<void>,
  options: StartSshdOptions = {},
): void {
  Deno.test({
    name: `sftp: ${name} (${SSHD_NEEDS})`,
    ignore,
    async fn() {
      await using sshd = await startSshd(options);
      try {
        await fn(sshd);
      } catch (error) {
        // The server's side of a failure is in its log.
        console.error(await sshd.log());
        throw error;
      }
    },
  });
}

function configFor(sshd: RunningSshd, overrides: Partial<SftpStorageConfig> = {}) {
  const config: SftpStorageConfig = {
    enabled: true,
    hostname: sshd.host,
    port: sshd.port,
    username: sshd.user,
    private_key_path: sshd.clientKeys.ed25519Path,
    passphrase: null,
    password: null,
    host_key_fingerprint: sshd.hostKeyFingerprint,
    known_hosts_path: null,
    remote_base_path: join(sshd.root, "notifications"),
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 10,
    connections: 4,
    keepalive_interval: 10,
    file_permissions: 0o640,
    ...overrides,
  };
  return config;
}

/** Counts the connections a sink opens, over the real ssh2 connector. */
function countingConnector(): SftpConnector & { count: number } {
  const counter = {
    count: 0,
    connect(options: Parameters<SftpConnector["connect"]>[0]) {
      counter.count++;
      return ssh2Connector.connect(options);
    },
  };
  return counter;
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
  try {
    return (await listAll(dir)).filter((path) => !path.endsWith("/"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function smallBatch(sequence: number, registration = "REG_A"): Batch {
  const notifications = Array.from({ length: 5 }, (_, i) => makeNotification(sequence * 10 + i));
  return {
    registration,
    sequence,
    pulledAt: "2026-11-01T10:00:05.000Z",
    notifications: journaled(registration, notifications),
  };
}

/** Delivers one batch with `config` and checks the file arrived; closes the sink. */
async function deliverOnce(config: SftpStorageConfig): Promise<void> {
  const sink = createSftpSink(config);
  try {
    await sink.deliver(trickyBatch());
  } finally {
    await sink.close();
  }
  assert.deepEqual(await filesUnder(config.remote_base_path), [EXPECTED_FILE]);
}

sshdTest("one batch becomes one file at the layout path over an ed25519 key", async (sshd) => {
  const config = configFor(sshd);
  const sink = createSftpSink(config);
  try {
    assert.equal(sink.name, SFTP_SINK_NAME);
    assert.equal(sink.name, "sftp_storage");
    const receipt = await sink.deliver(trickyBatch());
    const path = join(config.remote_base_path, EXPECTED_FILE);
    const bytes = await Deno.readFile(path);
    assert.deepEqual(receipt, { written: 1, bytes: bytes.length, location: path });
    assert.deepEqual(await filesUnder(config.remote_base_path), [EXPECTED_FILE]);
    const health = sink.health();
    assert.equal(health.status, "healthy");
    assert.equal(health.stored, 1);
    assert.equal(health.bytes, bytes.length);
  } finally {
    await sink.close();
  }
});

sshdTest("RSA keys log in, in OpenSSH and in PEM format", async (sshd) => {
  assert.match(await Deno.readTextFile(sshd.clientKeys.rsaPemPath), /^-----BEGIN RSA PRIVATE KEY/);
  assert.match(await Deno.readTextFile(sshd.clientKeys.rsaPath), /^-----BEGIN OPENSSH PRIVATE KEY/);
  for (
    const [name, path] of [["rsa", sshd.clientKeys.rsaPath], ["pem", sshd.clientKeys.rsaPemPath]]
  ) {
    await deliverOnce(configFor(sshd, {
      private_key_path: path,
      remote_base_path: join(sshd.root, name),
    }));
  }
});

sshdTest(
  "an encrypted key logs in with its passphrase; a wrong one is a configuration error",
  async (sshd) => {
    await deliverOnce(configFor(sshd, {
      private_key_path: sshd.clientKeys.encryptedPath,
      passphrase: new Secret(CLIENT_KEY_PASSPHRASE),
    }));
    const wrong = "not-the-passphrase-xyz";
    const sink = createSftpSink(configFor(sshd, {
      private_key_path: sshd.clientKeys.encryptedPath,
      passphrase: new Secret(wrong),
      remote_base_path: join(sshd.root, "wrong"),
    }));
    try {
      const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
      assert.ok(error instanceof SftpConfigurationError, String(error));
      assert.equal(error.code, "SFTP_CONFIGURATION");
      assert.equal(error.path, sshd.clientKeys.encryptedPath);
      assert.ok(!error.message.includes(wrong));
      assert.ok(!error.message.includes(CLIENT_KEY_PASSPHRASE));
    } finally {
      await sink.close();
    }
    assert.deepEqual(await filesUnder(join(sshd.root, "wrong")), []);
  },
);

sshdTest(
  "password login works; a wrong password is SFTP_AUTH_FAILED without the password",
  async (sshd) => {
    await deliverOnce(
      configFor(sshd, { private_key_path: null, password: new Secret(sshd.password) }),
    );
    const wrong = "wrong-password-123456";
    const sink = createSftpSink(configFor(sshd, {
      private_key_path: null,
      password: new Secret(wrong),
      remote_base_path: join(sshd.root, "denied"),
    }));
    try {
      const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
      assert.ok(error instanceof SftpAuthFailedError, String(error));
      assert.equal(error.code, "SFTP_AUTH_FAILED");
      assert.equal(error.retryable, false);
      assert.match(error.message, new RegExp(`user "${sshd.user}"`));
      assert.ok(error.message.includes(`127.0.0.1:${sshd.port}`), error.message);
      assert.ok(!error.message.includes(wrong));
      assert.ok(!error.message.includes(sshd.password));
      assert.equal(sink.health().errors, 1);
      assert.ok(!sink.health().lastError?.includes(wrong));
    } finally {
      await sink.close();
    }
    assert.deepEqual(await filesUnder(join(sshd.root, "denied")), []);
  },
  { passwordAuthentication: true },
);

sshdTest(
  "a key the server does not know is SFTP_AUTH_FAILED naming the user and host",
  async (sshd) => {
    const stranger = join(sshd.dir, "stranger");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
    const sink = createSftpSink(configFor(sshd, { private_key_path: stranger }));
    try {
      const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
      assert.ok(error instanceof SftpAuthFailedError, String(error));
      assert.equal(error.username, sshd.user);
      assert.ok(error.message.includes(stranger));
    } finally {
      await sink.close();
    }
  },
);

sshdTest(
  "a wrong host key pin refuses the server, shows what it presented, writes nothing",
  async (sshd) => {
    const pinned = "SHA256:" + "A".repeat(43);
    const sink = createSftpSink(configFor(sshd, { host_key_fingerprint: pinned }));
    try {
      const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
      assert.ok(error instanceof SftpHostKeyMismatchError, String(error));
      assert.equal(error.code, "SFTP_HOST_KEY_MISMATCH");
      assert.equal(error.presentedFingerprint, sshd.hostKeyFingerprint);
      assert.equal(error.keyType, "ssh-ed25519");
      assert.ok(error.message.includes(sshd.hostKeyFingerprint), error.message);
      assert.ok(error.message.includes(pinned), error.message);
    } finally {
      await sink.close();
    }
    assert.deepEqual(await listAll(sshd.root), []);
    // The server saw no login attempt at all: the client hung up during the key exchange.
    assert.doesNotMatch(await sshd.log(), /Accepted|Failed (publickey|password)/);
  },
);

sshdTest(
  "known_hosts: plain and hashed entries are accepted, a changed key is refused",
  async (sshd) => {
    const name = `[127.0.0.1]:${sshd.port}`;
    const plain = join(sshd.dir, "known_hosts");
    await Deno.writeTextFile(
      plain,
      `# a comment\nother.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake\n` +
        `${name} ${sshd.hostKeys.ed25519.publicKey}\n`,
    );
    await deliverOnce(configFor(sshd, {
      host_key_fingerprint: null,
      known_hosts_path: plain,
      remote_base_path: join(sshd.root, "plain"),
    }));

    const hashed = join(sshd.dir, "known_hosts_hashed");
    await Deno.writeTextFile(hashed, `${name} ${sshd.hostKeys.ed25519.publicKey}\n`);
    await run("ssh-keygen", ["-H", "-f", hashed]);
    assert.match(await Deno.readTextFile(hashed), /^\|1\|/);
    await deliverOnce(configFor(sshd, {
      host_key_fingerprint: null,
      known_hosts_path: hashed,
      remote_base_path: join(sshd.root, "hashed"),
    }));

    const otherKey = join(sshd.dir, "other_host_key");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey]);
    const changed = join(sshd.dir, "known_hosts_changed");
    await Deno.writeTextFile(changed, `${name} ${await Deno.readTextFile(otherKey + ".pub")}`);
    const unknown = join(sshd.dir, "known_hosts_unknown");
    await Deno.writeTextFile(unknown, `[127.0.0.1]:1 ${sshd.hostKeys.ed25519.publicKey}\n`);
    for (const [file, what] of [[changed, /does not match/], [unknown, /is unknown/]] as const) {
      const base = join(sshd.root, "refused");
      const sink = createSftpSink(configFor(sshd, {
        host_key_fingerprint: null,
        known_hosts_path: file,
        remote_base_path: base,
      }));
      try {
        const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
        assert.ok(error instanceof SftpHostKeyMismatchError, String(error));
        assert.equal(error.presentedFingerprint, sshd.hostKeyFingerprint);
        assert.ok(error.message.includes(sshd.hostKeyFingerprint));
        assert.ok(error.message.includes(file));
        assert.match(error.message, what);
      } finally {
        await sink.close();
      }
      assert.deepEqual(await filesUnder(base), []);
    }
  },
);

sshdTest("known_hosts listing only the RSA key makes the server present that key", async (sshd) => {
  const rsa = sshd.hostKeys.rsa!;
  const file = join(sshd.dir, "known_hosts");
  await Deno.writeTextFile(file, `[127.0.0.1]:${sshd.port} ${rsa.publicKey}\n`);
  await deliverOnce(configFor(sshd, { host_key_fingerprint: null, known_hosts_path: file }));
  // A pin of the RSA key alone cannot steer the choice: the ed25519 key comes, and is refused.
  const sink = createSftpSink(configFor(sshd, { host_key_fingerprint: rsa.fingerprint }));
  try {
    const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
    assert.ok(error instanceof SftpHostKeyMismatchError, String(error));
    assert.equal(error.presentedFingerprint, sshd.hostKeys.ed25519.fingerprint);
  } finally {
    await sink.close();
  }
}, { rsaHostKey: true });

sshdTest("every format arrives as its encoder's bytes, gzipped when asked", async (sshd) => {
  const batch = trickyBatch();
  const formats: FileFormat[] = ["json", "ndjson", "csv", "xml"];
  for (const format of formats) {
    for (const compress of [false, true]) {
      const base = join(sshd.root, `${format}_${compress}`);
      const sink = createSftpSink(configFor(sshd, {
        file_format: format,
        compress,
        remote_base_path: base,
      }));
      try {
        await sink.deliver(batch);
      } finally {
        await sink.close();
      }
      const relative = batchFilePath(batch, { format, compress, organizeByDate: true });
      assert.deepEqual(await filesUnder(base), [relative]);
      const stored = await Deno.readFile(join(base, relative));
      const encoded = formatFor(format).encode(batch, { storageType: "sftp" });
      assert.deepEqual(stored, compress ? gzipBytes(encoded) : encoded, `${format} ${compress}`);
      if (compress) assert.deepEqual(new Uint8Array(gunzipSync(stored)), encoded);
    }
  }
});

sshdTest("a re-delivery replaces the file: one file, same bytes, no temp files", async (sshd) => {
  const config = configFor(sshd);
  const sink = createSftpSink(config);
  try {
    await sink.deliver(trickyBatch());
    const path = join(config.remote_base_path, EXPECTED_FILE);
    const first = await Deno.readFile(path);
    // Scribble over the file, as a crash half-way through an earlier life might have left it.
    await Deno.writeTextFile(path, "partial");
    await sink.deliver(trickyBatch());
    await sink.deliver(trickyBatch());
    assert.deepEqual(await listAll(config.remote_base_path), [
      "2024/",
      "2024/02/",
      "2024/02/25/",
      "2024/02/25/ACME_PULL_01/",
      EXPECTED_FILE,
    ]);
    assert.deepEqual(await Deno.readFile(path), first);
    assert.equal(sink.health().stored, 3);
  } finally {
    await sink.close();
  }
});

sshdTest("connections are reused across batches and bounded by `connections`", async (sshd) => {
  const connector = countingConnector();
  const config = configFor(sshd, { connections: 3, organize_by_date: false });
  const sink = createSftpSink(config, { connector });
  try {
    for (let sequence = 1; sequence <= 10; sequence++) await sink.deliver(smallBatch(sequence));
    assert.equal(connector.count, 1);
    const batches = Array.from({ length: 20 }, (_, i) => smallBatch(100 + i, `REG_${i % 4}`));
    const receipt = await sink.deliverMany!(batches);
    assert.equal(receipt.written, 20);
    assert.ok(connector.count <= 3, `opened ${connector.count}`);
    await Promise.all(batches.map((batch) => sink.deliver(batch)));
    assert.ok(connector.count <= 3, `opened ${connector.count}`);
    const files = await filesUnder(config.remote_base_path);
    assert.equal(files.length, 30);
    assert.ok(files.every((file) => !file.includes(".tmp")), files.join("\n"));
  } finally {
    await sink.close();
  }
});

sshdTest("deliverMany stores every batch of a group, each at its own path", async (sshd) => {
  const config = configFor(sshd);
  const sink = createSftpSink(config);
  const batches = Array.from({ length: 20 }, (_, i) => smallBatch(i + 1));
  try {
    const receipt = await sink.deliverMany!(batches);
    const files = await filesUnder(config.remote_base_path);
    const expected = batches.map((batch) =>
      batchFilePath(batch, { format: "json", compress: false, organizeByDate: true })
    ).sort();
    assert.deepEqual(files, expected);
    let bytes = 0;
    for (const [index, batch] of batches.entries()) {
      const stored = await Deno.readFile(join(config.remote_base_path, expected[index]));
      bytes += stored.length;
      assert.deepEqual(
        stored,
        formatFor("json").encode(batch, { storageType: "sftp" }),
        expected[index],
      );
    }
    assert.deepEqual(receipt, {
      written: 20,
      bytes,
      location: config.remote_base_path,
    });
  } finally {
    await sink.close();
  }
});

sshdTest(
  "a stopped server is a retryable SFTP_UNAVAILABLE; after a restart the sink reconnects",
  async (sshd) => {
    const connector = countingConnector();
    const config = configFor(sshd, { organize_by_date: false });
    const sink = createSftpSink(config, { connector });
    try {
      await sink.deliver(smallBatch(1));
      await sshd.stop();
      for (const sequence of [2, 3]) {
        const error = await sink.deliver(smallBatch(sequence)).then(() => null, (e) => e);
        assert.ok(error instanceof SftpUnavailableError, String(error));
        assert.equal(error.code, "SFTP_UNAVAILABLE");
        assert.equal(error.retryable, true);
        assert.ok(error.message.includes(`127.0.0.1:${sshd.port}`), error.message);
      }
      assert.equal(sink.health().status, "degraded");
      await sshd.restart();
      await sink.deliver(smallBatch(2));
      await sink.deliver(smallBatch(3));
      assert.equal(sink.health().status, "healthy");
      assert.equal(connector.count, 4);
      const files = await filesUnder(config.remote_base_path);
      assert.equal(files.length, 3);
      assert.ok(files.every((file) => !file.includes(".tmp")), files.join("\n"));
    } finally {
      await sink.close();
    }
  },
);

sshdTest("a folder the user may not write is SFTP_CONFIGURATION naming the path", async (sshd) => {
  // Root-owned and read-only for the test user, as a misconfigured server would have it.
  const locked = join(sshd.dir, "locked");
  await Deno.mkdir(locked, { mode: 0o755 });
  const base = join(locked, "notifications");
  const sink = createSftpSink(configFor(sshd, { remote_base_path: base }));
  try {
    const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
    assert.ok(error instanceof SftpConfigurationError, String(error));
    assert.equal(error.code, "SFTP_CONFIGURATION");
    assert.equal(error.path, base);
    assert.ok(error.message.includes(base), error.message);
    assert.match(error.message, /permission denied/);
    assert.match(error.message, /remote_base_path/);
  } finally {
    await sink.close();
  }
  assert.deepEqual(await listAll(locked), []);
});

sshdTest("a file where a folder belongs is SFTP_CONFIGURATION naming that file", async (sshd) => {
  const blocker = join(sshd.root, "blocker");
  await Deno.writeTextFile(blocker, "not a folder");
  const sink = createSftpSink(
    configFor(sshd, { remote_base_path: join(blocker, "notifications") }),
  );
  try {
    const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
    assert.ok(error instanceof SftpConfigurationError, String(error));
    assert.equal(error.path, blocker);
    assert.ok(error.message.includes(blocker), error.message);
  } finally {
    await sink.close();
  }
});

sshdTest("a closed sink refuses to deliver", async (sshd) => {
  const sink = createSftpSink(configFor(sshd));
  await sink.deliver(trickyBatch());
  await sink.close();
  await assert.rejects(() => sink.deliver(trickyBatch()), SftpSinkClosedError);
});

Deno.test("sftp: nothing listening is a retryable SFTP_UNAVAILABLE", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const sink = createSftpSink({
    enabled: true,
    hostname: "127.0.0.1",
    port,
    username: "nobody",
    private_key_path: null,
    passphrase: null,
    password: new Secret("unused"),
    host_key_fingerprint: "SHA256:" + "A".repeat(43),
    known_hosts_path: null,
    remote_base_path: "/nowhere",
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 5,
    connections: 1,
    keepalive_interval: 10,
    file_permissions: 0o640,
  });
  try {
    const error = await sink.deliver(trickyBatch()).then(() => null, (e) => e);
    assert.ok(error instanceof SftpUnavailableError, String(error));
    assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
  } finally {
    await sink.close();
  }
});

sshdTest(
  "uploads and the folders made for them take file_permissions exactly, whatever the server's umask",
  async (sshd) => {
    for (const [mode, folderMode] of [[0o600, 0o700], [0o644, 0o755]]) {
      const base = join(sshd.root, `modes-${mode.toString(8)}`);
      const sink = createSftpSink(
        configFor(sshd, { remote_base_path: base, file_permissions: mode }),
      );
      try {
        await sink.deliver(trickyBatch());
      } finally {
        await sink.close();
      }
      const file = await Deno.stat(join(base, EXPECTED_FILE));
      assert.equal(file.mode! & 0o777, mode, `file ${mode.toString(8)}`);
      // Every folder the sink created below the base, the date folders and the registration's.
      let folder = join(base, EXPECTED_FILE, "..");
      while (folder.length > base.length) {
        assert.equal((await Deno.stat(folder)).mode! & 0o777, folderMode, folder);
        folder = join(folder, "..");
      }
    }
  },
);
