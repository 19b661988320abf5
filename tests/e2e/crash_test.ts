/**
 * Invariants 1, 2, 4 and 5 against the simulator over real HTTP, stamping at delivery as D&B
 * does: several registrations drained at D&B's rate, 15 % of the pull answers lost after D&B
 * dequeued them (reset, hang, 5xx, half a body), and the service killed with SIGKILL at random
 * moments. Every notification ends up once in every sink, no gap is reported, and the drain
 * finishes.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { notificationId } from "../../src/dnb/notification_id.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { startService, writeServiceConfig } from "../helpers/cli.ts";
import { listFiles } from "../helpers/files.ts";
import { until } from "../helpers/wait.ts";

const REFS = ["CRASH_A", "CRASH_B", "CRASH_C"];
const CLIENT = { clientId: "crash-test", clientSecret: "crash-secret" };
const PER_REGISTRATION = 1_000;
const KILLS = 10;
const LOSS_RATE = 0.15;

/** A small seeded PRNG, so a failing run can be repeated with the seed it prints. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sqliteIds(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare("SELECT id FROM notifications").all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

Deno.test({
  name: "invariants 1, 4, 5: answers lost after dequeue and SIGKILL at random moments, over " +
    "three registrations: every notification once in SQLite and in the files, no gap",
  sanitizeResources: false,
  fn: async () => {
    const seed = Number(Deno.env.get("CRASH_SEED") ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    const sim = await startSimulator({
      ...CLIENT,
      // D&B's published figure, enforced as a strict sliding window.
      rateLimit: 5,
      seed,
      registrations: REFS.map((reference, i) => ({
        reference,
        duns: [`08146684${i}`, `26890907${i}`, `00000001${i}`],
      })),
    });
    const dir = await Deno.makeTempDir({ prefix: "traceone-crash-" });
    try {
      for (const reference of REFS) {
        sim.state.generate(sim.state.registrations.get(reference)!, { count: PER_REGISTRATION });
      }
      await fetch(`${sim.url}/_sim/faults`, {
        method: "PUT",
        headers: { authorization: `Bearer ${sim.adminToken}` },
        body: JSON.stringify({
          // Slow enough that a kill often lands in a pull (pages are a second apart anyway).
          latencyMs: 150,
          lostAfterDequeue: { rate: LOSS_RATE, kinds: ["reset", "hang", "error", "truncate"] },
        }),
      }).then((r) => r.body?.cancel());
      const config = await writeServiceConfig(dir, {
        simulatorUrl: sim.url,
        ...CLIENT,
        registrations: REFS,
        dnb: ["rate_limit: 5", "timeout: 1"],
        monitoring: ["polling_interval: 1", "max_notifications: 40"],
        more: ["pipeline:", "  lease_ttl: 0.5"],
      });

      const stderrLines: string[] = [];
      // A failure says what the service said last, and the seed that repeats it.
      const context = () =>
        `seed ${seed}; counters ${JSON.stringify(sim.state.counters)}; last log lines:\n` +
        stderrLines.filter((l) => !l.includes('"DEBUG"')).slice(-15).map((l) => l.slice(0, 300))
          .join("\n");
      const runUntil = async (stop: () => Promise<void>, signal: Deno.Signal) => {
        const service = await startService(config);
        try {
          await stop();
        } finally {
          stderrLines.push(...await service.stop(signal));
        }
      };
      // At most 10 × 1.8 s of pulling: less than the 25 s the backlog takes at 3 pages a second,
      // so every kill interrupts a drain.
      for (let kill = 0; kill < KILLS; kill++) {
        await runUntil(
          () => new Promise((resolve) => setTimeout(resolve, 200 + random() * 1_600)),
          "SIGKILL",
        );
      }
      const queuedAfterKills = REFS.reduce(
        (n, r) => n + sim.state.registrations.get(r)!.queue.length,
        0,
      );
      assert.ok(queuedAfterKills > 0, `the kills interrupt the drain: ${context()}`);

      // A last run finishes the drain and delivers everything, then stops on SIGTERM.
      const total = REFS.length * PER_REGISTRATION;
      await runUntil(async () => {
        await until(
          () => {
            const queued = REFS.some((r) => sim.state.registrations.get(r)!.queue.length > 0);
            if (queued) return false;
            try {
              return sqliteIds(`${dir}/traceone.db`).length >= total;
            } catch {
              return false;
            }
          },
          `the drain to finish`,
          { limitMs: 120_000, intervalMs: 250 },
        );
      }, "SIGTERM").catch((error) => {
        throw new Error(`${(error as Error).message}: ${context()}`);
      });

      const counters = sim.state.counters;
      const lost = Object.values(counters.lostAfterDequeue).reduce((a, b) => a + b, 0);
      const pulls = counters.served;
      const nonEmptyPulls = Math.ceil(total / 40) + lost;
      assert.ok(lost >= 10, `answers were lost after dequeue: ${lost}: ${context()}`);
      assert.ok(
        lost / nonEmptyPulls >= 0.1,
        `at least 10 % of the pulls: ${lost}/${nonEmptyPulls}`,
      );
      for (const [kind, count] of Object.entries(counters.lostAfterDequeue)) {
        assert.ok(count > 0, `${kind} happened (seed ${seed}): ${JSON.stringify(counters)}`);
      }
      assert.ok(
        stderrLines.some((line) => line.includes("did not arrive whole")),
        `a lost answer was recovered through replay: ${context()}`,
      );
      const crashRecoveries = stderrLines.filter((line) =>
        line.includes("recovered after an interrupted pull")
      ).length;
      assert.ok(crashRecoveries > 0, `a restart found a pull in flight: ${context()}`);
      console.log(
        `seed ${seed}: ${pulls} requests served, ${lost} answers lost after dequeue ` +
          `(${JSON.stringify(counters.lostAfterDequeue)}), ${counters.lostNotifications} ` +
          `notifications only in the replay log, ${counters.rateLimited} × 429, ` +
          `${crashRecoveries} restart(s) recovered a pull in flight`,
      );

      const served = new Set<string>();
      for (const reference of REFS) {
        for (const item of sim.state.registrations.get(reference)!.replayLog) {
          served.add(notificationId(reference, JSON.parse(item.text)));
        }
      }
      assert.equal(served.size, total, `every generated notification was served (seed ${seed})`);

      const rows = sqliteIds(`${dir}/traceone.db`);
      assert.equal(rows.length, total, `SQLite holds each notification once (seed ${seed})`);
      assert.deepEqual(new Set(rows), served, "SQLite holds exactly what was served");

      const files = (await listFiles(`${dir}/notifications`)).filter((f) =>
        /notifications_\d{8}_\d{6}_\d+\.json$/.test(f)
      );
      const fileIds: string[] = [];
      for (const file of files) {
        const content = JSON.parse(await Deno.readTextFile(file));
        fileIds.push(...content.notifications.map((n: { id: string }) => n.id));
      }
      assert.equal(fileIds.length, total, `the files hold each notification once (seed ${seed})`);
      assert.deepEqual(new Set(fileIds), served, "the files hold exactly what was served");

      // No gap: every page was replayable (one per registration per D&B second).
      const kv = await Deno.openKv(`${dir}/state.kv`);
      try {
        const gaps = [];
        for await (const entry of kv.list({ prefix: ["monitor", "gap"] })) gaps.push(entry.value);
        assert.deepEqual(gaps, [], `no gap reported (seed ${seed})`);
        const markers = [];
        for await (const entry of kv.list({ prefix: ["monitor", "inflight"] })) {
          markers.push(entry.key);
        }
        assert.deepEqual(markers, [], "nothing left in flight");
      } finally {
        kv.close();
      }
      assert.ok(
        !stderrLines.some((line) => /more notifications were delivered in the second/.test(line)),
        "no crowded second",
      );
    } finally {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
