import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { openRuntime } from "../../src/cli/runtime.ts";
import { runScheduledSync, startScheduledSyncs } from "../../src/cli/scheduled_sync.ts";
import { latestAudit } from "../../src/pipeline/mod.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { localDataLines } from "../helpers/cli.ts";

const REF = "SCHEDULED_REG";
const CLIENT = { clientId: "sched-client", clientSecret: "sched-secret-8e21" };
const WANTED = ["268909075", "804735132", "150483782", "884114609", "006273905", "081466849"];

/** A simulator, a config with one `monitoring.sync` entry and its runtime, all torn down after. */
async function withSyncEntry(
  extra: string[],
  work: (args: {
    runtime: Awaited<ReturnType<typeof openRuntime>>;
    dir: string;
    sim: Awaited<ReturnType<typeof startSimulator>>;
  }) => Promise<void>,
): Promise<void> {
  const sim = await startSimulator({
    ...CLIENT,
    rateLimit: 0,
    registrations: [{ reference: REF, duns: [] }],
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-sched-sync-" });
  try {
    await Deno.writeTextFile(`${dir}/suppliers.txt`, WANTED.join("\n"));
    await Deno.writeTextFile(
      `${dir}/config.yaml`,
      [
        "environment: test",
        "dnb_api:",
        `  base_url: "${sim.url}"`,
        `  client_id: "${CLIENT.clientId}"`,
        `  client_secret: "${CLIENT.clientSecret}"`,
        "monitoring:",
        "  sync:",
        `    - registration: ${REF}`,
        "      file: suppliers.txt",
        ...extra,
        ...localDataLines(dir),
      ].join("\n"),
    );
    const runtime = await openRuntime(await loadConfig(`${dir}/config.yaml`, { cwd: dir }));
    try {
      await work({ runtime, dir, sim });
    } finally {
      await runtime.close();
    }
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a monitoring.sync entry: applied on its run, and a list that would remove past max_remove_percent is refused into the audit log", async () => {
  await withSyncEntry(["      max_remove_percent: 20"], async ({ runtime, dir, sim }) => {
    const [entry] = runtime.config.monitoring.sync;
    assert.deepEqual(entry, {
      registration: REF,
      file: `${dir}/suppliers.txt`,
      from_sql: null,
      schedule: "0 3 * * *",
      max_remove_percent: 20,
      verify: false,
    });
    const first = await runScheduledSync(runtime, entry);
    assert.equal(first.outcome, "applied");
    assert.equal(first.added, 6);

    // The list shrinks to one: removing 5 of 6 is past 20 %.
    await Deno.writeTextFile(`${dir}/suppliers.txt`, WANTED[0]);
    const second = await runScheduledSync(runtime, entry);
    assert.equal(second.outcome, "refused");
    assert.match(second.refusal!, /remove 5 of 6 subjects of SCHEDULED_REG/);
    const [latest] = await latestAudit(runtime.kv, { limit: 1 });
    assert.equal(latest.outcome, "failed");
    assert.equal(latest.action, "sync");
    assert.equal(latest.source, "sync (scheduled)");
    assert.match(latest.detail!, /more than the limit of 20 %/);
    assert.equal(sim.state.registrations.get(REF)!.subjects.size, 6, "nothing removed");
  });
});

Deno.test("a monthly monitoring.sync (next run past a timer's 24.8 days) waits instead of running at once", async () => {
  // The 1st of a month two months ahead is always more than 24.8 days away.
  const month = ((new Date().getUTCMonth() + 2) % 12) + 1;
  await withSyncEntry([`      schedule: "0 3 1 ${month} *"`], async ({ runtime, sim }) => {
    const stop = new AbortController();
    try {
      const scheduled = startScheduledSyncs(runtime, { signal: stop.signal });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(sim.state.counters.served, 0, "no call to D&B: the sync is not due");
      assert.deepEqual(await latestAudit(runtime.kv, { limit: 1 }), []);
      stop.abort();
      await scheduled.idle();
    } finally {
      stop.abort();
    }
  });
});
