import { type RunningSimulator, startSimulator } from "../../src/sim/server.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main.ts` as its own process, as a user would, with a bounded run time. */
export async function runMain(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--cached-only", MAIN, ...args],
    cwd: options.cwd,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...options.env },
    clearEnv: true,
    stdin: "null",
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Starts `main.ts` as a long-running process; the caller reads its output and stops it. */
export function spawnMain(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--cached-only", MAIN, ...args],
    cwd: options.cwd,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Reads lines from a stream until `done` says so or the time runs out, and returns them. The
 * rest of the stream keeps being read into `lines`, so the child never blocks on a full pipe.
 */
export async function readLinesUntil(
  stream: ReadableStream<Uint8Array>,
  done: (lines: string[]) => boolean,
  timeoutMs = 20_000,
): Promise<{ lines: string[]; finished: Promise<void> }> {
  const lines: string[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => resolveReady = resolve);
  const finished = (async () => {
    let buffer = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      lines.push(...parts);
      if (done(lines)) resolveReady();
    }
    if (buffer) lines.push(buffer);
    resolveReady();
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    ready,
    new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
  ]);
  clearTimeout(timer);
  return { lines, finished };
}

/**
 * The child starts from a clean environment, so a developer's own DNB_CLIENT_ID and the like
 * cannot change a test, but it keeps what Deno itself needs: PATH, its cache (pinned, because a
 * test may change HOME) and the machine's CA and proxy settings.
 */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(Deno.env.toObject())) {
    if (name === "PATH" || name === "HOME" || /CERT|SSL|PROXY|CA_BUNDLE/i.test(name)) {
      env[name] = value;
    }
  }
  // Where this Deno keeps its npm cache, as Deno itself decides it on Linux.
  const xdgCache = Deno.env.get("XDG_CACHE_HOME");
  env.DENO_DIR = Deno.env.get("DENO_DIR") ??
    (xdgCache ? `${xdgCache}/deno` : `${Deno.env.get("HOME")}/.cache/deno`);
  return env;
}

/** A `run` of the service, up until it listed its registrations; `stop` ends it by signal. */
export interface RunningService {
  /** Sends `signal`, waits for the process to end, and returns what it wrote to stderr. */
  stop(signal: Deno.Signal): Promise<string[]>;
}

/** Starts `main.ts run --config config` and waits until it is monitoring. */
export async function startService(config: string): Promise<RunningService> {
  const child = spawnMain(["run", "--config", config]);
  const err = readLinesUntil(child.stderr, () => false, 300_000);
  const { finished } = await readLinesUntil(
    child.stdout,
    (lines) => lines.some((l) => l.startsWith("registrations:")),
  );
  return {
    async stop(signal) {
      child.kill(signal);
      await child.status;
      await finished;
      const stderr = await err;
      await stderr.finished;
      return stderr.lines;
    },
  };
}

/** The head of a test configuration: environment, and a `dnb_api` section for the simulator. */
function simulatorDnbLines(
  options: { simulatorUrl: string; clientId: string; clientSecret: string },
): string[] {
  return [
    "environment: test",
    "dnb_api:",
    `  base_url: "${options.simulatorUrl}"`,
    `  client_id: "${options.clientId}"`,
    `  client_secret: "${options.clientSecret}"`,
  ];
}

/** A config file pointing at a running simulator, everything else in `dir`. */
export async function writeSimulatorClientConfig(
  dir: string,
  options: { simulatorUrl: string; clientId: string; clientSecret: string },
): Promise<string> {
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    path,
    [
      ...simulatorDnbLines(options),
      "  retry_base_delay: 0.01",
      "  retry_max_delay: 0.05",
      ...localDataLines(dir),
      "http:",
      "  port: 0",
    ].join("\n") + "\n",
  );
  return path;
}

/**
 * A config file for `run` against a simulator, without HTTP, state in `dir`. `dnb` and
 * `monitoring` are extra YAML lines of those sections; `more` whole sections after them.
 */
export async function writeServiceConfig(dir: string, options: {
  simulatorUrl: string;
  clientId: string;
  clientSecret: string;
  registrations: string[];
  dnb?: string[];
  monitoring?: string[];
  more?: string[];
}): Promise<string> {
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    path,
    [
      ...simulatorDnbLines(options),
      ...(options.dnb ?? []).map((line) => `  ${line}`),
      "monitoring:",
      `  registrations: [${options.registrations.map((r) => `"${r}"`).join(", ")}]`,
      ...(options.monitoring ?? []).map((line) => `  ${line}`),
      ...localDataLines(dir),
      "http:",
      "  enabled: false",
      ...(options.more ?? []),
    ].join("\n") + "\n",
  );
  return path;
}

/** Config lines that keep a test's state, SQLite and files in `dir`. */
export function localDataLines(dir: string): string[] {
  return [
    "state:",
    `  kv_path: "${dir}/state.kv"`,
    "database:",
    `  url: "sqlite:${dir}/traceone.db"`,
    "local_storage:",
    `  base_path: "${dir}/notifications"`,
  ];
}

/** Runs `main.ts` with `--config` pointing at a configuration made for the test. */
export type Cli = (...args: string[]) => Promise<CliResult>;

/**
 * A simulator with one registration, a configuration that points at it (state in a temp folder),
 * and a `cli` that runs commands against them; everything is stopped and removed afterwards.
 */
export async function withSimulatorCli(
  options: { reference: string; clientId: string; clientSecret: string },
  work: (cli: Cli, dir: string, sim: RunningSimulator) => Promise<void>,
): Promise<void> {
  const credentials = { clientId: options.clientId, clientSecret: options.clientSecret };
  const sim = await startSimulator({
    ...credentials,
    rateLimit: 0,
    registrations: [{ reference: options.reference, duns: ["081466849"] }],
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-cli-" });
  try {
    const config = await writeSimulatorClientConfig(dir, { simulatorUrl: sim.url, ...credentials });
    await work((...args) => runMain([...args, "--config", config]), dir, sim);
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}
