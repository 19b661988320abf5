/**
 * Drains a simulator backlog with its rate limit off through the whole pipeline — pull, journal
 * (Deno KV), local JSON files and SQLite — and reports notifications per second end to end and
 * peak memory of this process. The simulator runs as its own process so that its backlog does
 * not count against the pipeline's memory.
 *
 *   deno run -A bench/pipeline_drain.ts [--notifications 100000] [--format json]
 *       [--sinks local,sqlite]          any of local, sqlite, sftp, postgres
 *
 * `sftp` and `postgres` start a private OpenSSH server and PostgreSQL cluster on loopback (the
 * test harness's), so they need root and Debian's openssh-server and postgresql. Each sink's
 * rate is its notifications over the time until it was current.
 *
 * `--catch-up` journals the whole backlog first and only then starts the sinks, so each sink's
 * rate is what it sustains on its own (a sink catching up after an outage), not the pull rate.
 *
 * D&B's replay returns at most 100 per response, which paces one registration to one page a
 * second (design.md invariant 5); this benchmark measures the pipeline, not that limit, so the
 * simulator and the client are set to replay up to `--replay-max` (10,000: 99 pages a second),
 * and the backlog is spread over `--registrations` (20), drained side by side: the simulator
 * stamps each notification a millisecond apart, so one registration gets at most 1,000 a second.
 *
 * Bounded: one backlog, drained once; the run stops when every sink is current.
 */
import { lockTolerantKv } from "../src/resilience/lock_tolerant_kv.ts";
import { parseArgs } from "node:util";
import { openSinks } from "../src/cli/sinks.ts";
import { parseConfig } from "../src/config/load.ts";
import { createDnbClient } from "../src/dnb/client.ts";
import { MonitoringService } from "../src/pipeline/service.ts";
import { newAdminToken } from "../src/sim/admin_token.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { startSshd } from "../tests/helpers/sshd.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    notifications: { type: "string", default: "100000" },
    format: { type: "string", default: "json" },
    port: { type: "string", default: "18181" },
    sinks: { type: "string", default: "local,sqlite" },
    "catch-up": { type: "boolean", default: false },
    "replay-max": { type: "string", default: "10000" },
    registrations: { type: "string", default: "20" },
  },
});
const total = Number(values.notifications);
const wanted = new Set(values.sinks.split(",").map((s) => s.trim()));
if (wanted.has("sqlite") && wanted.has("postgres")) throw new Error("choose sqlite or postgres");
const REFS = Array.from(
  { length: Number(values.registrations) },
  (_, i) => `BENCH_DRAIN_${i}`,
);
const dir = await Deno.makeTempDir({ prefix: "traceone-bench-" });
const simUrl = `http://127.0.0.1:${values.port}`;
// Through the environment rather than the command line, where other local users could read it.
const adminToken = newAdminToken();
const adminHeaders = { authorization: `Bearer ${adminToken}` };

const simulator = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL("../main.ts", import.meta.url).pathname,
    "simulate",
    "--port",
    values.port,
    "--rate-limit",
    "0",
    "--notifications-per-minute",
    "0",
    "--max-notifications",
    values["replay-max"],
    ...REFS.flatMap((ref) => ["--registration", ref]),
  ],
  env: { TRACEONE_SIM_ADMIN_TOKEN: adminToken },
  stdout: "null",
  stderr: "null",
}).spawn();

try {
  await waitForSimulator();
  for (const [i, ref] of REFS.entries()) {
    const count = Math.floor(total / REFS.length) + (i < total % REFS.length ? 1 : 0);
    const generated = await fetch(`${simUrl}/_sim/registrations/${ref}/notifications`, {
      method: "POST",
      headers: { ...adminHeaders, "content-type": "application/json" },
      body: JSON.stringify({ generate: count }),
    }).then((r) => r.json());
    if (generated.enqueued !== count) throw new Error(`simulator enqueued ${generated.enqueued}`);
  }

  const sshd = wanted.has("sftp") ? await startSshd() : null;
  const postgres = wanted.has("postgres") ? await startPostgres({ durable: true }) : null;
  const sqlUrl = postgres ? postgres.url : `sqlite:${dir}/traceone.db`;
  const config = parseConfig(
    [
      "environment: test",
      "dnb_api:",
      `  base_url: "${simUrl}"`,
      "  client_id: simulator",
      "  client_secret: simulator-secret",
      "  rate_limit: 10000",
      `  replay_max_notifications: ${values["replay-max"]}`,
      "monitoring:",
      "  max_notifications: 100",
      `  max_pulls_per_tick: ${Math.ceil(total / 100) + 10}`,
      `  registrations: [${REFS.map((ref) => `"${ref}"`).join(", ")}]`,
      "local_storage:",
      `  enabled: ${wanted.has("local")}`,
      `  base_path: "${dir}/notifications"`,
      `  file_format: ${values.format}`,
      "database:",
      `  enabled: ${wanted.has("sqlite") || wanted.has("postgres")}`,
      `  url: "${sqlUrl}"`,
      ...(sshd
        ? [
          "sftp_storage:",
          "  enabled: true",
          `  hostname: "${sshd.host}"`,
          `  port: ${sshd.port}`,
          `  username: "${sshd.user}"`,
          `  private_key_path: "${sshd.clientKeys.ed25519Path}"`,
          `  host_key_fingerprint: "${sshd.hostKeyFingerprint}"`,
          `  remote_base_path: "${sshd.root}"`,
          `  file_format: ${values.format}`,
        ]
        : []),
      "state:",
      `  kv_path: "${dir}/state.kv"`,
    ].join("\n"),
    { source: null, env: () => undefined, cwd: dir, home: null },
  );
  // As the product opens it (src/cli/state_kv.ts): every operation through the lock retry.
  const kv = lockTolerantKv(await Deno.openKv(config.state.kv_path));
  const sinks = await openSinks(config);
  const service = await MonitoringService.create({
    config,
    kv,
    client: createDnbClient(config.dnb_api, { kv }),
    sinks: sinks.sinks,
    simulator: true,
    version: "bench",
  });

  let peakRss = Deno.memoryUsage().rss;
  let peakHeap = Deno.memoryUsage().heapUsed;
  const baselineRss = peakRss;
  const sampler = setInterval(() => {
    const usage = Deno.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 50);
  const catchUp = values["catch-up"];
  let started = performance.now();
  if (!catchUp) service.startDelivery();
  const ticks = await Promise.all(REFS.map(async (ref) => (await service.tick(ref))[0]));
  const pulledAt = performance.now();
  const pullSeconds = (pulledAt - started) / 1000;
  if (catchUp) {
    started = performance.now();
    service.startDelivery();
  }
  const currentAt: Record<string, number> = {};
  for (;;) {
    const status = (await service.status()).sinks;
    for (const sink of status) {
      if (sink.lagBatches === 0 && !(sink.name in currentAt)) {
        currentAt[sink.name] = performance.now();
      }
    }
    if (status.every((s) => s.lagBatches === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  // With --v8-flags=--expose-gc: what stays reachable after the drain, garbage collected.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const retainedHeap = gc ? Deno.memoryUsage().heapUsed : null;
  const sinkStatus = (await service.status()).sinks;
  console.log(JSON.stringify({
    notifications: total,
    registrations: REFS.length,
    journaled: ticks.reduce((n, t) => n + t.journaled, 0),
    dead_lettered: ticks.reduce((n, t) => n + t.deadLettered, 0),
    format: values.format,
    seconds: Number(elapsed.toFixed(2)),
    mode: catchUp ? "journal first, then sinks catch up" : "sinks run while pulling",
    pull_and_journal_seconds: Number(pullSeconds.toFixed(2)),
    pull_and_journal_per_second: Math.round(total / pullSeconds),
    notifications_per_second: Math.round(total / elapsed),
    peak_rss_mib: Math.round(peakRss / 2 ** 20),
    rss_growth_mib: Math.round((peakRss - baselineRss) / 2 ** 20),
    peak_heap_used_mib: Math.round(peakHeap / 2 ** 20),
    retained_heap_mib: retainedHeap === null ? null : Math.round(retainedHeap / 2 ** 20),
    sinks: Object.fromEntries(sinkStatus.map((s) => [s.name, {
      stored: s.stored,
      notifications_per_second: Math.round(total / ((currentAt[s.name] - started) / 1000)),
    }])),
  }));
  await service.shutdown();
  await sinks.close();
  kv.close();
  await sshd?.dispose();
  await postgres?.destroy();
} finally {
  simulator.kill("SIGTERM");
  await simulator.status;
  await Deno.remove(dir, { recursive: true });
}

async function waitForSimulator(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(`${simUrl}/_sim/counters`, { headers: adminHeaders });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the simulator did not start");
}
