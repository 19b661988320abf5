/**
 * References that sanitise alike (design.md: names) monitored in one `run`: the service starts
 * (cron job names are made safe), and each registration gets a folder of its own, locally and on
 * SFTP, so batches pulled in the same second never overwrite each other.
 */
import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { startService, writeServiceConfig } from "../helpers/cli.ts";
import { listFiles } from "../helpers/files.ts";
import { type RunningSshd, SSHD_NEEDS, sshdAvailable, startSshd } from "../helpers/sshd.ts";
import { until } from "../helpers/wait.ts";

const CLIENT = { clientId: "lookalike", clientSecret: "lookalike-secret" };
const REFS = ["SUPPLIERS/EU", "SUPPLIERS_EU", "SUPPLIERS EU"];
const PER_REGISTRATION = 30;

function isStoredFile(path: string): boolean {
  return !path.split("/").at(-1)!.startsWith(".");
}

/** Each registration in a folder of its own, every notification there, none overwritten. */
async function assertSeparate(base: string): Promise<void> {
  const stored = await listFiles(base);
  const folders = new Set(stored.map((path) => path.split("/").at(-2)));
  assert.equal(folders.size, REFS.length, [...folders].join(" "));
  let notifications = 0;
  for (const path of stored) {
    notifications += JSON.parse(await Deno.readTextFile(path)).notifications.length;
  }
  assert.equal(notifications, REFS.length * PER_REGISTRATION, `${base}: none overwritten`);
}

async function runLookalikes(sshd: RunningSshd | null): Promise<void> {
  const sim = await startSimulator({
    ...CLIENT,
    rateLimit: 0,
    registrations: REFS.map((reference) => ({ reference, duns: ["081466849"] })),
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-lookalike-" });
  try {
    for (const reference of REFS) {
      sim.state.generate(sim.state.registrations.get(reference)!, { count: PER_REGISTRATION });
    }
    const sftp = sshd === null ? [] : [
      "sftp_storage:",
      "  enabled: true",
      `  hostname: "${sshd.host}"`,
      `  port: ${sshd.port}`,
      `  username: "${sshd.user}"`,
      `  private_key_path: "${sshd.clientKeys.ed25519Path}"`,
      `  host_key_fingerprint: "${sshd.hostKeyFingerprint}"`,
      `  remote_base_path: "${sshd.root}"`,
    ];
    const config = await writeServiceConfig(dir, {
      simulatorUrl: sim.url,
      ...CLIENT,
      registrations: REFS,
      monitoring: ["polling_interval: 60"],
      more: sftp,
    });
    const service = await startService(config);
    const bases = [`${dir}/notifications`, ...(sshd ? [sshd.root] : [])];
    try {
      await until(
        async () => {
          for (const base of bases) {
            let count = 0;
            // A sink's dot-prefixed temp file may be renamed away between listing and reading.
            for (const path of (await listFiles(base)).filter(isStoredFile)) {
              count += JSON.parse(await Deno.readTextFile(path)).notifications.length;
            }
            if (count < REFS.length * PER_REGISTRATION) return false;
          }
          return true;
        },
        "every notification in every place",
        { limitMs: 30_000, intervalMs: 100 },
      );
    } finally {
      await service.stop("SIGTERM");
    }
    for (const base of bases) await assertSeparate(base);
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "look-alike references in one run: each its own folder, nothing overwritten",
  sanitizeResources: false,
  fn: () => runLookalikes(null),
});

Deno.test({
  name: `look-alike references in one run: their own folders on SFTP too (${SSHD_NEEDS})`,
  ignore: !sshdAvailable(),
  sanitizeResources: false,
  fn: async () => {
    const sshd = await startSshd();
    try {
      await runLookalikes(sshd);
    } finally {
      await sshd.dispose();
    }
  },
});
