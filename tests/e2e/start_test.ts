import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { readLinesUntil, spawnMain } from "../helpers/cli.ts";
import { until } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("start on the embedded default: says SIMULATOR, where data goes and the URL; authenticates, lists registrations, stays up, stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "traceone-start-" });
  // The embedded default with its fixed ports freed, so the test never collides with a
  // developer's running instance.
  const defaults = await Deno.readTextFile(`${ROOT}config/default.yaml`);
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    defaults.replace(/port: 8181/, "port: 0").replace(/port: 8080/, "port: 0"),
  );
  const child = spawnMain(["run", "--config", `${dir}/config.yaml`], { cwd: dir });
  const stderr = readLinesUntil(child.stderr, () => false, 60_000);
  try {
    const { lines, finished } = await readLinesUntil(
      child.stdout,
      (seen) => seen.some((line) => line.startsWith("registrations:")),
    );
    const banner = lines.slice(0, 4).join("\n");
    assert.match(banner, /D&B API: SIMULATOR at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(banner, new RegExp(`state: ${dir}/data/state\\.kv`));
    const sinks = lines.find((line) => line.startsWith("sinks:")) ?? "";
    assert.match(sinks, new RegExp(`local files \\(${dir}/notifications, json\\)`));
    assert.match(sinks, new RegExp(`SQL \\(sqlite:${dir}/data/traceone\\.db\\)`));
    const url = /HTTP: (http:\/\/\S+)/.exec(lines.join("\n"))?.[1];
    assert.ok(url, lines.join("\n"));
    assert.ok(lines.some((line) => /^authenticated with token v3/.test(line)));
    assert.ok(lines.includes("registrations: TRACEONE_DEMO_SUPPLIERS, TRACEONE_DEMO_CUSTOMERS"));

    // The whole job on the embedded default: the simulator's backlog lands in files and SQLite.
    const countFiles = async (folder: string): Promise<number> => {
      let count = 0;
      for await (const entry of Deno.readDir(folder)) {
        if (entry.isDirectory) count += await countFiles(`${folder}/${entry.name}`);
        else if (entry.name.endsWith(".json")) count++;
      }
      return count;
    };
    const sqliteRows = () => {
      const db = new DatabaseSync(`${dir}/data/traceone.db`, { readOnly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM notifications").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    await until(
      async () => (await countFiles(`${dir}/notifications`).catch(() => 0)) >= 2,
      "notification files from both demo registrations",
      { limitMs: 60_000, intervalMs: 200 },
    );
    await until(() => sqliteRows() >= 40, "the demo backlog in SQLite", {
      limitMs: 60_000,
      intervalMs: 200,
    });

    const health = await fetch(`${url}healthz`);
    assert.equal(await health.text(), "ok");
    const status = await (await fetch(`${url}status`)).json();
    assert.equal(status.service.simulator, true);
    assert.equal(status.authentication.is_authenticated, true);
    assert.doesNotMatch(JSON.stringify(status), /simulator-secret/);

    child.kill("SIGTERM");
    const { code } = await child.status;
    await finished;
    assert.equal(code, 0);
    assert.ok(lines.some((line) => line.startsWith("stopping")));
    assert.equal(lines.at(-1), "stopped");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
    await (await stderr).finished;
    await Deno.remove(dir, { recursive: true });
  }
});
