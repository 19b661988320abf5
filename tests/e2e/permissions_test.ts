import assert from "node:assert/strict";
import { resolve } from "node:path";
import { readLinesUntil } from "../helpers/cli.ts";
import { until } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;

type Grant = boolean | string[];
type PermissionSet = Partial<Record<"read" | "write" | "net" | "env" | "sys", Grant>>;

/** The "default" permission set exactly as deno.json declares it (`deno run -P=default`). */
async function defaultSet(): Promise<PermissionSet> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const set = config.permissions?.default;
  assert.ok(set, 'deno.json has a "permissions.default" set');
  return set;
}

/**
 * Turns the set into `deno run` flags for a run whose working directory is `cwd`. The set's
 * paths are relative to the project, which is also where `deno task` runs the program; here the
 * program's files stay in ROOT while its working directory (config, state) is `cwd`, so each
 * relative path is granted in both places. Nothing else is added.
 */
function flagsFor(set: PermissionSet, cwd: string, omit: { write?: string[] } = {}): string[] {
  const flags: string[] = [];
  for (const [kind, grant] of Object.entries(set) as [string, Grant][]) {
    if (grant === true) flags.push(`--allow-${kind}`);
    if (!Array.isArray(grant)) continue;
    let values = grant;
    if (kind === "read" || kind === "write") {
      values = grant.flatMap((path) =>
        path.startsWith("/")
          ? [path]
          : (kind === "read" ? [ROOT, cwd] : [cwd]).map((base) => resolve(base, path))
      ).filter((path) => !(kind === "write" && omit.write?.includes(path)));
    }
    if (values.length > 0) flags.push(`--allow-${kind}=${values.join(",")}`);
  }
  return flags;
}

function spawn(flags: string[], args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--cached-only", ...flags, MAIN, ...args],
    cwd,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      NO_COLOR: "1",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function embeddedDefaultIn(dir: string): Promise<string> {
  const defaults = await Deno.readTextFile(`${ROOT}config/default.yaml`);
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    path,
    defaults.replace(/port: 8181/, "port: 0").replace(/port: 8080/, "port: 0"),
  );
  return path;
}

async function countFiles(folder: string): Promise<number> {
  let count = 0;
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isDirectory) count += await countFiles(`${folder}/${entry.name}`);
    else if (entry.name.endsWith(".json")) count++;
  }
  return count;
}

Deno.test("the embedded default runs under deno.json's narrow default set: stores notifications, stops on SIGTERM", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "traceone-perm-" }));
  const flags = flagsFor(await defaultSet(), dir);
  assert.ok(!flags.some((flag) => /^--allow-(all|read|write|net)$/.test(flag)), flags.join(" "));
  const child = spawn(flags, ["run", "--config", await embeddedDefaultIn(dir)], dir);
  const stderr = readLinesUntil(child.stderr, () => false, 90_000);
  try {
    const { lines, finished } = await readLinesUntil(
      child.stdout,
      (seen) => seen.some((line) => line.startsWith("registrations:")),
      60_000,
    );
    await until(
      async () => (await countFiles(`${dir}/notifications`).catch(() => 0)) >= 1,
      "a stored notification file",
      { limitMs: 60_000, intervalMs: 200 },
    );
    // The process metrics come through too (prom-client's own collector reads /proc, which
    // Deno opens only under --allow-all).
    const base = /HTTP: (http:\/\/\S+?)\/? /.exec(lines.join("\n"))?.[1];
    assert.ok(base, lines.join("\n"));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^process_resident_memory_bytes [1-9]\d+$/m);
    child.kill("SIGTERM");
    const { code } = await child.status;
    await finished;
    const errors = (await stderr).lines.join("\n");
    assert.equal(code, 0, errors);
    assert.equal(lines.at(-1), "stopped");
    assert.doesNotMatch(errors, /NotCapable|Requires \w+ access/);
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

Deno.test("a permission the program lacks (write to the state folder): exits non-zero at once, names the flag and the config key, no stack trace", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "traceone-perm-" }));
  try {
    const flags = flagsFor(await defaultSet(), dir, { write: [`${dir}/data`] });
    const child = spawn(flags, ["run", "--config", await embeddedDefaultIn(dir)], dir);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const started = Date.now();
    const output = await child.output();
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(Date.now() - started < 20_000, "exited within 20 s");
    assert.notEqual(output.code, 0);
    assert.match(stderr, /permission denied by Deno: write access to "[^"]*\/data/);
    assert.match(stderr, new RegExp(`--allow-write=${dir}/data`));
    assert.match(stderr, /state\.kv_path/);
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    assert.doesNotMatch(stderr, /NotCapable|Uncaught/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
