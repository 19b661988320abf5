/**
 * CI's proof that the program runs from one file: bundles main.ts, copies the bundle alone into
 * an empty folder, and from there runs `config check`, `simulate` and a short `run` of the
 * embedded default's shape, with read access to that folder and the working folder only — so
 * any read of the source tree at run time fails. Exits non-zero on the first failure.
 */
const ROOT = new URL("../", import.meta.url).pathname;
const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "traceone-bundle-" }));
const app = `${base}/app`;
const work = `${base}/work`;
const bundle = `${app}/traceone-monitor.js`;
/** Every child started, killed at the end so a failed wait cannot leave CI hanging. */
const children: Deno.ChildProcess[] = [];

class SmokeFailure extends Error {}

function fail(message: string): never {
  throw new SmokeFailure(message);
}

function step(message: string): void {
  console.log(`bundle smoke: ${message}`);
}

/** The bundle under narrow permissions, from the working folder, with a clean environment. */
function command(args: string[], piped: boolean): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--no-config",
      "--unstable-kv",
      "--unstable-cron",
      `--allow-read=${app},${work}`,
      `--allow-write=${work}`,
      "--allow-net=127.0.0.1",
      "--allow-env=HOME,NO_COLOR,TRACEONE_CONFIG,TRACEONE_HTTP_TOKEN,TRACEONE_SIM_ADMIN_TOKEN",
      bundle,
      ...args,
    ],
    cwd: work,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: work, NO_COLOR: "1" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: piped ? "piped" : "inherit",
  });
}

/** Reads stdout lines into `lines` as they come; resolves when the stream ends. */
function collect(stream: ReadableStream<Uint8Array>, lines: string[]): Promise<void> {
  return (async () => {
    let buffer = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      lines.push(...parts);
    }
    if (buffer) lines.push(buffer);
  })();
}

async function waitFor(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function countJson(folder: string): Promise<number> {
  let count = 0;
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.isDirectory) count += await countJson(`${folder}/${entry.name}`);
      else if (entry.name.endsWith(".json")) count++;
    }
  } catch {
    return 0;
  }
  return count;
}

try {
  await Deno.mkdir(app);
  await Deno.mkdir(work);
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      "scripts/bundle.ts",
    ]
      .concat(["--output", bundle]),
    cwd: ROOT,
  }).output();
  if (!built.success) fail(`bundling: ${new TextDecoder().decode(built.stderr)}`);
  const inApp = [...Deno.readDirSync(app)].map((entry) => entry.name);
  if (inApp.length !== 1) fail(`the app folder holds more than the bundle: ${inApp.join(", ")}`);
  step(`built ${bundle} (${(Deno.statSync(bundle).size / 1e6).toFixed(1)} MB)`);

  // The embedded default's shape, on free ports, in the working folder.
  const defaults = await Deno.readTextFile(`${ROOT}config/default.yaml`);
  await Deno.writeTextFile(
    `${work}/config.yaml`,
    defaults.replace(/port: 8181/, "port: 0").replace(/port: 8080/, "port: 0"),
  );

  const check = await command(["config", "check", "--config", "config.yaml"], true).output();
  const checked = new TextDecoder().decode(check.stdout);
  if (!check.success || !/: OK$/m.test(checked)) {
    fail(`config check: ${checked}${new TextDecoder().decode(check.stderr)}`);
  }
  // The line it prints must start this bundle, not a main.ts that is not there.
  if (!/permissions: deno run .*--unstable-kv .*traceone-monitor\.js run --config/.test(checked)) {
    fail(`config check printed no command for the bundle: ${checked}`);
  }
  step("config check: OK, its permissions line runs this bundle");

  const simulate = command(["simulate", "--port", "0"], false).spawn();
  children.push(simulate);
  const simLines: string[] = [];
  const simDone = collect(simulate.stdout, simLines);
  await waitFor(
    "the simulator's admin token",
    () => simLines.some((l) => l.startsWith("admin token:")),
  );
  const url = /simulator at (\S+)/.exec(simLines.join("\n"))?.[1];
  const token = /^admin token: (\S+)/m.exec(simLines.join("\n"))?.[1];
  if (!url || !token) fail(`simulate printed: ${simLines.join("\n")}`);
  const counters = await fetch(`${url}/_sim/counters`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await counters.body?.cancel();
  if (counters.status !== 200) fail(`simulate: /_sim/counters answered ${counters.status}`);
  simulate.kill("SIGTERM");
  await simulate.status;
  await simDone;
  step(`simulate: served at ${url}`);

  const run = command(["run", "--config", "config.yaml"], false).spawn();
  children.push(run);
  const runLines: string[] = [];
  const runDone = collect(run.stdout, runLines);
  await waitFor("a stored notification", async () => await countJson(`${work}/notifications`) > 0);
  run.kill("SIGTERM");
  const { code } = await run.status;
  await runDone;
  if (code !== 0 || runLines.at(-1) !== "stopped") {
    fail(`run ended with ${code}: ${runLines.join("\n")}`);
  }
  step(`run: ${await countJson(`${work}/notifications`)} notification files stored, stopped`);
  step("OK");
} catch (error) {
  if (!(error instanceof SmokeFailure)) throw error;
  console.error(`bundle smoke: FAILED: ${error.message}`);
  Deno.exitCode = 1;
} finally {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
  }
  await Deno.remove(base, { recursive: true });
}
