/**
 * State is its owner's alone (issue 11): the KV file holds the D&B access token and the journal,
 * SQLite every stored notification. After `run`, a state folder it created is 0700 and the
 * files 0600, whatever the umask; a state file it finds open to others is reported with the
 * chmod that closes it.
 */
import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { startService, writeServiceConfig } from "../helpers/cli.ts";

const CLIENT = { clientId: "private-state", clientSecret: "private-state-secret" };
const REF = "PRIVATE_REG";

async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

Deno.test({
  name: "after run: a new state folder is 0700, KV and SQLite files 0600; an open one is reported",
  ignore: Deno.build.os === "windows",
  sanitizeResources: false,
  fn: async () => {
    const sim = await startSimulator({
      ...CLIENT,
      rateLimit: 0,
      registrations: [{ reference: REF, duns: ["081466849"] }],
    });
    const dir = await Deno.makeTempDir({ prefix: "traceone-private-" });
    try {
      const config = await writeServiceConfig(dir, {
        simulatorUrl: sim.url,
        ...CLIENT,
        registrations: [REF],
        monitoring: ["polling_interval: 60"],
      });
      // State and database in a folder that does not exist yet.
      const text = (await Deno.readTextFile(config))
        .replace(`${dir}/state.kv`, `${dir}/fresh/state.kv`)
        .replace(`sqlite:${dir}/traceone.db`, `sqlite:${dir}/fresh/traceone.db`);
      await Deno.writeTextFile(config, text);
      const service = await startService(config);
      await service.stop("SIGTERM");
      assert.equal(await modeOf(`${dir}/fresh`), 0o700);
      for (const file of ["state.kv", "traceone.db"]) {
        assert.equal(await modeOf(`${dir}/fresh/${file}`), 0o600, file);
      }
      for await (const entry of Deno.readDir(`${dir}/fresh`)) {
        assert.equal(await modeOf(`${dir}/fresh/${entry.name}`), 0o600, entry.name);
      }

      // Someone opened the KV and SQLite files to everyone: the next run says so, with the fix.
      await Deno.chmod(`${dir}/fresh/state.kv`, 0o644);
      await Deno.chmod(`${dir}/fresh/traceone.db`, 0o644);
      const again = await startService(config);
      const warnings = (await again.stop("SIGTERM"))
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line))
        .filter((record) => /is open to other users/.test(record.message));
      const kv = warnings.find((record) => record.properties.path === `${dir}/fresh/state.kv`);
      assert.ok(kv, JSON.stringify(warnings));
      assert.equal(kv.properties.mode, "0644");
      assert.equal(kv.properties.fix, `chmod 600 "${dir}/fresh/state.kv"`);
      const db = warnings.find((record) => record.properties.path === `${dir}/fresh/traceone.db`);
      assert.ok(db, JSON.stringify(warnings));
      assert.match(db.message, /every stored notification/);
      assert.equal(db.properties.fix, `chmod 600 "${dir}/fresh/traceone.db"`);
    } finally {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
