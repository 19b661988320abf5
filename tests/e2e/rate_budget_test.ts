/**
 * D&B's rate limit is the account's (dnb-direct-plus.md §5): the service and a CLI command beside
 * it, sharing one state, must together stay under it. The simulator enforces it as a strict
 * sliding one-second window, the harshest reading of "5 calls per second".
 */
import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { runMain, startService, writeServiceConfig } from "../helpers/cli.ts";

const CLIENT = { clientId: "budget-test", clientSecret: "budget-secret" };
const REFS = ["BUDGET_A", "BUDGET_B", "BUDGET_C"];
const DUNS_ADDED = 15;

Deno.test({
  name: "the CLI and the running service share one rate budget: zero 429s at 5 requests/s",
  sanitizeResources: false,
  fn: async () => {
    const sim = await startSimulator({
      ...CLIENT,
      rateLimit: 5,
      registrations: REFS.map((reference) => ({ reference, duns: ["081466849"] })),
    });
    const dir = await Deno.makeTempDir({ prefix: "traceone-budget-" });
    try {
      for (const reference of REFS) {
        sim.state.generate(sim.state.registrations.get(reference)!, { count: 2_000 });
      }
      const config = await writeServiceConfig(dir, {
        simulatorUrl: sim.url,
        ...CLIENT,
        registrations: REFS,
        dnb: ["rate_limit: 5"],
        monitoring: ["polling_interval: 60", "max_notifications: 20"],
      });
      const file = `${dir}/duns.txt`;
      await Deno.writeTextFile(
        file,
        Array.from({ length: DUNS_ADDED }, (_, i) => String(100_000_000 + i)).join("\n") + "\n",
      );
      const service = await startService(config);
      try {
        const before = { ...sim.state.counters };
        const started = performance.now();
        const added = await runMain(
          ["registrations", "add", REFS[0], "--file", file, "--one-by-one", "--config", config],
          { timeoutMs: 60_000 },
        );
        const seconds = (performance.now() - started) / 1000;
        assert.equal(added.code, 0, `${added.stdout}\n${added.stderr}`);
        const served = sim.state.counters.served - before.served;
        console.log(
          `${served} requests in ${seconds.toFixed(1)} s (${(served / seconds).toFixed(2)}/s) ` +
            `from the service and the CLI together, ${sim.state.counters.rateLimited} × 429`,
        );
        assert.equal(sim.state.registrations.get(REFS[0])!.subjects.size, DUNS_ADDED + 1);
        assert.ok(served > DUNS_ADDED, "the service pulled meanwhile");
        assert.equal(sim.state.counters.rateLimited, 0, "not one 429");
      } finally {
        await service.stop("SIGTERM");
      }
    } finally {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
