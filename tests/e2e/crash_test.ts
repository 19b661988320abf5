import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { notificationId } from "../../src/dnb/notification_id.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { readLinesUntil, runMain, spawnMain } from "../helpers/cli.ts";

const REF = "CRASH_REG";
const CLIENT = { clientId: "crash-test", clientSecret: "crash-secret" };
const BACKLOG = 4_000;
const KILLS = 12;

/** A small seeded PRNG, so a failing run can be repeated with the seed it prints. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await listFiles(path));
    else files.push(path);
  }
  return files;
}

Deno.test({
  name:
    "invariant 4: SIGKILL at random moments of a drain loses nothing and duplicates nothing (SQLite and files)",
  sanitizeResources: false,
  fn: async () => {
    const seed = Number(Deno.env.get("CRASH_SEED") ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    const sim = await startSimulator({
      ...CLIENT,
      rateLimit: 0,
      registrations: [{
        reference: REF,
        duns: ["081466849", "268909075", "000000017", "804735132"],
      }],
    });
    const dir = await Deno.makeTempDir({ prefix: "traceone-crash-" });
    try {
      // A backlog spread over time, 50 notifications a second: replay pages hold 100, so every
      // second can be paged through (a crowded second is reported, see notifications_test).
      sim.state.generate(sim.state.registrations.get(REF)!, { count: BACKLOG });
      // Slow enough that a kill lands in a pull, a journal commit or a sink write.
      await fetch(`${sim.url}/_sim/faults`, {
        method: "PUT",
        body: JSON.stringify({ latencyMs: 25 }),
      })
        .then((r) => r.body?.cancel());
      const config = `${dir}/config.yaml`;
      await Deno.writeTextFile(
        config,
        [
          "environment: test",
          "dnb_api:",
          `  base_url: "${sim.url}"`,
          `  client_id: "${CLIENT.clientId}"`,
          `  client_secret: "${CLIENT.clientSecret}"`,
          "monitoring:",
          "  polling_interval: 1",
          "  max_notifications: 40",
          `  registrations: ["${REF}"]`,
          "state:",
          `  kv_path: "${dir}/state.kv"`,
          "database:",
          `  url: "sqlite:${dir}/traceone.db"`,
          "local_storage:",
          `  base_path: "${dir}/notifications"`,
          "pipeline:",
          "  lease_ttl: 0.3",
          "http:",
          "  enabled: false",
        ].join("\n") + "\n",
      );

      const stderrLines: string[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const child = spawnMain(["run", "--config", config]);
        const err = readLinesUntil(child.stderr, () => false, 60_000);
        const { finished } = await readLinesUntil(
          child.stdout,
          (lines) => lines.some((l) => l.startsWith("registrations:")),
        );
        await new Promise((resolve) => setTimeout(resolve, 50 + random() * 700));
        child.kill("SIGKILL");
        await child.status;
        await finished;
        const stderr = await err;
        await stderr.finished;
        stderrLines.push(...stderr.lines);
      }
      const queuedBefore = sim.state.registrations.get(REF)!.queue.length;
      assert.ok(queuedBefore > 0, `the kills must interrupt the drain (seed ${seed})`);
      assert.ok(
        stderrLines.some((line) => line.includes("recovered after an interrupted pull")),
        `at least one restart found a pull in flight and replayed (seed ${seed})`,
      );

      // After the last kill a normal run finishes the drain (after ${KILLS} kills the lease has expired).
      await new Promise((resolve) => setTimeout(resolve, 400));
      const final = await runMain(["pull", REF, "--config", config], { timeoutMs: 120_000 });
      assert.equal(final.code, 0, `${final.stdout}\n${final.stderr}`);
      const again = await runMain(["pull", REF, "--config", config], { timeoutMs: 120_000 });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(sim.state.registrations.get(REF)!.queue.length, 0, "the queue is drained");

      const served = sim.state.registrations.get(REF)!.replayLog
        .map((item) => notificationId(REF, JSON.parse(item.text)));
      const servedSet = new Set(served);
      assert.equal(
        servedSet.size,
        BACKLOG,
        `every generated notification was served once (seed ${seed})`,
      );

      const db = new DatabaseSync(`${dir}/traceone.db`);
      const rows = db.prepare("SELECT id FROM notifications").all() as { id: string }[];
      db.close();
      assert.equal(rows.length, BACKLOG, `SQLite holds each notification once (seed ${seed})`);
      assert.deepEqual(
        new Set(rows.map((r) => r.id)),
        servedSet,
        "SQLite holds exactly what was served",
      );

      const files = (await listFiles(`${dir}/notifications`)).filter((f) =>
        /notifications_\d{8}_\d{6}_\d+\.json$/.test(f)
      );
      const fileIds: string[] = [];
      for (const file of files) {
        const content = JSON.parse(await Deno.readTextFile(file));
        fileIds.push(...content.notifications.map((n: { id: string }) => n.id));
      }
      assert.equal(fileIds.length, BACKLOG, `the files hold each notification once (seed ${seed})`);
      assert.deepEqual(new Set(fileIds), servedSet, "the files hold exactly what was served");
    } finally {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
