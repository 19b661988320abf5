/**
 * References that sanitise alike (design.md: names) monitored in one `run`: the service starts
 * (cron job names are made safe), and each registration gets a folder of its own, so batches
 * pulled in the same second never overwrite each other.
 */
import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { startService, writeServiceConfig } from "../helpers/cli.ts";
import { listFiles } from "../helpers/files.ts";
import { until } from "../helpers/wait.ts";

const CLIENT = { clientId: "lookalike", clientSecret: "lookalike-secret" };
const REFS = ["SUPPLIERS/EU", "SUPPLIERS_EU", "SUPPLIERS EU"];

Deno.test({
  name: "look-alike references in one run: each its own folder, nothing overwritten",
  sanitizeResources: false,
  fn: async () => {
    const sim = await startSimulator({
      ...CLIENT,
      rateLimit: 0,
      registrations: REFS.map((reference) => ({ reference, duns: ["081466849"] })),
    });
    const dir = await Deno.makeTempDir({ prefix: "traceone-lookalike-" });
    try {
      for (const reference of REFS) {
        sim.state.generate(sim.state.registrations.get(reference)!, { count: 30 });
      }
      const config = await writeServiceConfig(dir, {
        simulatorUrl: sim.url,
        ...CLIENT,
        registrations: REFS,
        monitoring: ["polling_interval: 60"],
      });
      const service = await startService(config);
      try {
        await until(
          async () => {
            const stored = await listFiles(`${dir}/notifications`);
            return stored.length >= REFS.length;
          },
          "a file for every registration",
          { limitMs: 30_000, intervalMs: 100 },
        );
      } finally {
        await service.stop("SIGTERM");
      }
      const stored = await listFiles(`${dir}/notifications`);
      const folders = new Set(stored.map((path) => path.split("/").at(-2)));
      assert.equal(folders.size, REFS.length, [...folders].join(" "));
      let notifications = 0;
      for (const path of stored) {
        notifications += JSON.parse(await Deno.readTextFile(path)).notifications.length;
      }
      assert.equal(notifications, 90, "every registration's notifications, none overwritten");
    } finally {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
