/**
 * Uploads small batches (JSON, ~100 notifications each) through the SFTP sink to a private
 * OpenSSH server on loopback and reports uploads per second, three ways: one `deliver` at a time
 * (a sink that keeps up), `deliverMany` groups of 20 (a sink catching up, as dispatch groups
 * them), and `deliver` with as many in flight as there are connections.
 *
 *   deno run -A bench/sftp_upload.ts [--batches 1000] [--notifications 100] [--connections 4]
 *
 * Needs root and /usr/sbin/sshd (apt-get install openssh-server), like the SFTP tests. Bounded:
 * each mode uploads the given number of batches once.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createSftpSink, type SftpConnector, ssh2Connector } from "../src/sinks/sftp/mod.ts";
import type { Batch, Sink } from "../src/sinks/sink.ts";
import { journaled, makeNotification } from "../tests/helpers/notifications.ts";
import { startSshd } from "../tests/helpers/sshd.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    batches: { type: "string", default: "1000" },
    notifications: { type: "string", default: "100" },
    connections: { type: "string", default: "4" },
  },
});
const total = Number(values.batches);
const perBatch = Number(values.notifications);
const connections = Number(values.connections);
const GROUP = 20;

const batches: Batch[] = Array.from({ length: total }, (_, index) => {
  const registration = `BENCH_${index % 4}`;
  const notifications = Array.from(
    { length: perBatch },
    (_, n) => makeNotification(index * perBatch + n),
  );
  return {
    registration,
    sequence: index + 1,
    pulledAt: new Date(Date.UTC(2026, 10, 1, 10, 0, 0) + index * 1000).toISOString(),
    notifications: journaled(registration, notifications),
  };
});

await using sshd = await startSshd();
let connects = 0;
const connector: SftpConnector = {
  connect(options) {
    connects++;
    return ssh2Connector.connect(options);
  },
};

async function measure(mode: string, upload: (sink: Sink) => Promise<void>) {
  connects = 0;
  const base = join(sshd.root, mode);
  const sink = createSftpSink({
    enabled: true,
    hostname: sshd.host,
    port: sshd.port,
    username: sshd.user,
    private_key_path: sshd.clientKeys.ed25519Path,
    passphrase: null,
    password: null,
    host_key_fingerprint: sshd.hostKeyFingerprint,
    known_hosts_path: null,
    remote_base_path: base,
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 30,
    connections,
    keepalive_interval: 10,
    file_permissions: 0o640,
  }, { connector });
  // One warm-up upload outside the clock: the login is a one-time cost.
  await sink.deliver({ ...batches[0], registration: "WARM_UP" });
  const started = performance.now();
  try {
    await upload(sink);
  } finally {
    await sink.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const health = sink.health();
  const files = await countFiles(base) - 1;
  if (files !== total) throw new Error(`${mode}: ${files} files, expected ${total}`);
  console.log(
    `${mode.padEnd(22)} ${total} uploads in ${seconds.toFixed(2)} s = ` +
      `${Math.round(total / seconds)} uploads/s, ` +
      `${((health.bytes / health.stored) / 1024).toFixed(1)} KiB each, ${connects} connection(s)`,
  );
}

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) count += await countFiles(join(dir, entry.name));
    else count++;
  }
  return count;
}

console.log(
  `${total} batches of ${perBatch} notifications (json) over loopback, connections=${connections}`,
);
await measure("deliver_sequential", async (sink) => {
  for (const batch of batches) await sink.deliver(batch);
});
await measure("deliverMany_groups_20", async (sink) => {
  for (let start = 0; start < total; start += GROUP) {
    await sink.deliverMany!(batches.slice(start, start + GROUP));
  }
});
await measure("deliver_concurrent", async (sink) => {
  let next = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < total) await sink.deliver(batches[next++]);
  }));
});
