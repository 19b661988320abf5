/**
 * A private PostgreSQL cluster per call: `initdb` into a temporary folder, `pg_ctl start` on a
 * free loopback port, SCRAM authentication with a password, a fresh database. Nothing of the
 * machine's own PostgreSQL (if one runs) is touched.
 */

/** Appended to the name of every test that needs a cluster, so a skip says how to fix it. */
export const NEEDS_POSTGRES = "(needs: apt-get install postgresql)";

const PG_ROOT = "/usr/lib/postgresql";
const DIR_PREFIX = "traceone_pg_";
/** Holds the PID of the test process that made the cluster, for `sweepAbandoned`. */
const OWNER_FILE = "owner.pid";
/** PostgreSQL refuses to run as root; tests and CI do run as root. */
const OS_USER = "postgres";
const START_ATTEMPTS = 3;
const STOP_TIMEOUT_MS = 20_000;
const COMMAND_TIMEOUT_MS = 60_000;

/** Options of `startPostgres`. */
export interface StartPostgresOptions {
  /** Superuser name; default `traceone_test`. */
  user?: string;
  /** Superuser password; default a random one with characters that need percent-encoding. */
  password?: string;
  /** Database made for this call, which `url` names; default `traceone`. */
  database?: string;
  /**
   * Whether commits wait for the disk, as in production; default false, since a test cluster
   * need not survive power loss. A benchmark turns it on to measure honest numbers.
   */
  durable?: boolean;
}

/** A running private cluster. `destroy()` it in a `finally`. */
export interface RunningPostgres {
  /** `postgresql://user:password@127.0.0.1:port/database` of the database made for this call. */
  url: string;
  port: number;
  user: string;
  password: string;
  /** The cluster's folder: data, socket, server log. */
  dir: string;
  /** Creates another empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `url` with another password, for authentication tests. */
  urlWithPassword(password: string, database?: string): string;
  /** Fast shutdown (open sessions are ended), by PID; resolves once the server is gone. */
  stop(): Promise<void>;
  /** Stops if running, then starts again on the same port and data. */
  restart(): Promise<void>;
  /** Stops and removes the folder. Safe to call twice. */
  destroy(): Promise<void>;
  /** The server's log, for failure messages. */
  log(): Promise<string>;
}

/**
 * A test that needs PostgreSQL: reported as ignored, with the install command in its name, where
 * PostgreSQL is missing. The op and resource sanitizers are on: a pool left open fails the test.
 */
export function postgresTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name: `${name} ${NEEDS_POSTGRES}`,
    ignore: !postgresAvailable(),
    sanitizeOps: true,
    sanitizeResources: true,
    fn,
  });
}

/** Whether `initdb` and `pg_ctl` are installed, and (as root) the `postgres` user exists. */
export function postgresAvailable(): boolean {
  return binDir() !== null && (Deno.uid() !== 0 || osUser() !== null);
}

/** Makes and starts a private cluster and one database in it. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const bin = binDir();
  if (bin === null) throw new Error(`PostgreSQL is not installed ${NEEDS_POSTGRES}`);
  const user = options.user ?? "traceone_test";
  const password = options.password ?? `S3cr:t/${crypto.randomUUID().slice(0, 8)}@pw`;
  const database = options.database ?? "traceone";
  const durable = options.durable ?? false;
  await sweepAbandoned();
  const dir = await Deno.makeTempDir({ prefix: DIR_PREFIX });
  await Deno.writeTextFile(`${dir}/${OWNER_FILE}`, String(Deno.pid));
  const data = `${dir}/data`;
  const owner = Deno.uid() === 0 ? osUser() : null;
  let port = 0;
  let destroyed = false;

  const run = async (args: string[], what: string) => {
    const command = owner === null ? args : ["runuser", "-u", OS_USER, "--", ...args];
    const output = await new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: dir,
      stdin: "null",
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    }).output();
    if (!output.success) {
      const decoder = new TextDecoder();
      throw new Error(
        `${what} failed (exit ${output.code}): ${decoder.decode(output.stderr)}` +
          decoder.decode(output.stdout),
      );
    }
  };
  const start = () =>
    run([
      `${bin}/pg_ctl`,
      "start",
      "--wait",
      "--silent",
      "-D",
      data,
      "-l",
      `${dir}/server.log`,
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=${durable ? "on" : "off"}`,
    ], `pg_ctl start on port ${port}`);

  const urlFor = (db: string, pass = password) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}/${db}`;

  const stop = async () => {
    const pid = postmasterPidSync(data);
    if (pid === null) return;
    signal(pid, "SIGINT"); // fast shutdown
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (processAlive(pid)) {
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    try {
      await stop();
    } finally {
      running.delete(data);
      await Deno.remove(dir, { recursive: true });
    }
  };
  running.add(data);

  try {
    if (owner !== null) await Deno.chown(dir, owner.uid, owner.gid);
    const pwfile = `${dir}/pwfile`;
    await Deno.writeTextFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner !== null) await Deno.chown(pwfile, owner.uid, owner.gid);
    await run([
      `${bin}/initdb`,
      "--pgdata",
      data,
      "--username",
      user,
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ], "initdb");
    await Deno.remove(pwfile);

    // The port is free when picked but may be taken before the server binds it: try another.
    for (let attempt = 1;; attempt++) {
      port = freePort();
      try {
        await start();
        break;
      } catch (error) {
        if (attempt >= START_ATTEMPTS) throw error;
      }
    }
    await psql(bin, urlFor("postgres"), `CREATE DATABASE "${database}"`);
  } catch (error) {
    const log = await Deno.readTextFile(`${dir}/server.log`).catch(() => "");
    await destroy().catch(() => {});
    throw new Error(`could not start a private PostgreSQL: ${messageOf(error)}\n${log}`, {
      cause: error,
    });
  }

  return {
    url: urlFor(database),
    port,
    user,
    password,
    dir,
    async createDatabase(name) {
      await psql(bin, urlFor("postgres"), `CREATE DATABASE "${name}"`);
      return urlFor(name);
    },
    urlWithPassword: (pass, db = database) => urlFor(db, pass),
    stop,
    async restart() {
      await stop();
      await start();
    },
    destroy,
    log: () => Deno.readTextFile(`${dir}/server.log`),
  };
}

/** Data folders of the clusters this process runs and has not destroyed yet. */
const running = new Set<string>();

// A test that fails with an uncaught error ends the process before its `finally`: ask each
// cluster still running to shut down. Its folder stays; the next `startPostgres` removes it.
globalThis.addEventListener("unload", () => {
  for (const data of running) {
    const pid = postmasterPidSync(data);
    if (pid !== null) signal(pid, "SIGINT");
  }
});

/**
 * Stops and removes clusters left behind by test processes that are gone (killed, or ended by
 * an uncaught error). Only folders this harness made, with an owner file, are touched, and a
 * server only when its command line names that folder, so a reused PID is never signalled.
 */
async function sweepAbandoned(): Promise<void> {
  const parent = Deno.env.get("TMPDIR") ?? "/tmp";
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(parent)];
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(DIR_PREFIX)) continue;
    const dir = `${parent}/${entry.name}`;
    let owner: number;
    try {
      owner = Number(Deno.readTextFileSync(`${dir}/${OWNER_FILE}`));
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || processAlive(owner)) continue;
    const pid = postmasterPidSync(`${dir}/data`);
    if (pid !== null && commandLine(pid).includes(`${dir}/data`)) {
      signal(pid, "SIGINT");
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (processAlive(pid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (processAlive(pid)) continue;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function postmasterPidSync(data: string): number | null {
  try {
    const pid = Number(Deno.readTextFileSync(`${data}/postmaster.pid`).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function commandLine(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Runs one statement with the cluster's own `psql`, so tests need no driver of their own. */
async function psql(bin: string, url: string, statement: string): Promise<void> {
  const output = await new Deno.Command(`${bin}/psql`, {
    args: ["--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", statement],
    stdin: "null",
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  }).output();
  if (!output.success) {
    throw new Error(`psql ${statement}: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** The newest installed major version's `bin` folder holding both `initdb` and `pg_ctl`. */
function binDir(): string | null {
  let versions: string[];
  try {
    versions = [...Deno.readDirSync(PG_ROOT)].map((entry) => entry.name);
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = `${PG_ROOT}/${version}/bin`;
    if (isFile(`${bin}/initdb`) && isFile(`${bin}/pg_ctl`)) return bin;
  }
  return null;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function osUser(): { uid: number; gid: number } | null {
  let passwd: string;
  try {
    passwd = Deno.readTextFileSync("/etc/passwd");
  } catch {
    return null;
  }
  for (const line of passwd.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === OS_USER) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Whether the process still runs. The postmaster is orphaned by `pg_ctl`, and a container's
 * init may never reap it, so a zombie counts as gone.
 */
function processAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
