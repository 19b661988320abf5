import assert from "node:assert/strict";
import { Secret } from "../../src/model/secret.ts";
import { openDatabase } from "../../src/db/database.ts";
import { notificationId } from "../../src/dnb/notification_id.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { readLinesUntil } from "../helpers/cli.ts";
import { NEEDS_POSTGRES, postgresAvailable, startPostgres } from "../helpers/postgres.ts";
import { SSHD_NEEDS, sshdAvailable, startSshd } from "../helpers/sshd.ts";
import { until } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const REF = "PROD_REG";
const CLIENT = { clientId: "prod-client", clientSecret: "prod-secret-41e7" };
const HTTP_TOKEN = "prod-http-token-9c1e-0123456789abcdef0123";
const CONFIG = "config/production.example.yaml";

/**
 * A clean environment (a developer's own DNB_CLIENT_ID cannot change the test) with what Deno
 * itself needs, plus the service's variables.
 */
function childEnv(env: Record<string, string>): Record<string, string> {
  const home = Deno.env.get("HOME") ?? "";
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: home,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${home}/.cache/deno`,
    NO_COLOR: "1",
    ...env,
  };
}

/**
 * The `deno run` flags `config check` prints for this configuration, read under the
 * `config-check` task's permissions (read and env, nothing else).
 */
async function derivedFlags(env: Record<string, string>): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--cached-only", "--allow-read", "--allow-env", "main.ts"]
      .concat(["config", "check", "--config", CONFIG]),
    cwd: ROOT,
    env: childEnv(env),
    clearEnv: true,
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const line = /^ {2}permissions: deno run --no-prompt (.*) main\.ts run --config \S+$/m.exec(
    stdout,
  )?.[1];
  assert.ok(line, stdout);
  // Words are quoted whole when a shell would expand them (the env list holds `PG*`).
  const flags = line.split(" ").map((word) => word.replace(/^'(.*)'$/, "$1"));
  assert.ok(flags.every((flag) => /^--allow-(read|write|net|env)=/.test(flag)), line);
  return flags;
}

// deno-lint-ignore no-explicit-any
type Json = any;

async function fileIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) ids.push(...await fileIds(path));
    else if (/^notifications_\d{8}_\d{6}_\d+\.json$/.test(entry.name)) {
      const content = JSON.parse(await Deno.readTextFile(path));
      ids.push(...content.notifications.map((n: { id: string }) => n.id));
    } else if (entry.name.endsWith(".tmp")) {
      assert.fail(`a temporary file was left behind: ${path}`);
    }
  }
  return ids;
}

Deno.test({
  name:
    `production example end to end: simulator → journal → local + SFTP + PostgreSQL, through an SFTP and a PostgreSQL outage (${SSHD_NEEDS}; ${NEEDS_POSTGRES})`,
  ignore: !sshdAvailable() || !postgresAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sim = await startSimulator({
      ...CLIENT,
      rateLimit: 0,
      registrations: [{ reference: REF, duns: ["081466849", "268909075", "804735132"] }],
    });
    const sshd = await startSshd();
    const postgres = await startPostgres();
    const dir = await Deno.makeTempDir({ prefix: "traceone-prod-" });
    const registration = sim.state.registrations.get(REF)!;
    const enqueue = (count: number) => sim.state.generate(registration, { count });
    enqueue(500);
    const env = {
      // The simulator speaks plain http, which production refuses for D&B.
      TRACEONE_ENVIRONMENT: "test",
      DNB_BASE_URL: sim.url,
      DNB_CLIENT_ID: CLIENT.clientId,
      DNB_CLIENT_SECRET: CLIENT.clientSecret,
      DATABASE_URL: postgres.url,
      SFTP_HOSTNAME: sshd.host,
      SFTP_PORT: String(sshd.port),
      SFTP_USERNAME: sshd.user,
      SFTP_HOST_KEY_FINGERPRINT: sshd.hostKeyFingerprint,
      SFTP_PRIVATE_KEY_PATH: sshd.clientKeys.ed25519Path,
      SFTP_REMOTE_BASE_PATH: sshd.root,
      LOCAL_STORAGE_PATH: `${dir}/notifications`,
      TRACEONE_STATE_PATH: `${dir}/state.kv`,
      TRACEONE_POLLING_INTERVAL: "1",
      TRACEONE_HTTP_PORT: "0",
      TRACEONE_HTTP_TOKEN: HTTP_TOKEN,
    };
    // Exactly the permissions `config check` derives from the file: no --allow-all.
    const flags = await derivedFlags(env);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--cached-only", ...flags, "main.ts", "run", "--config", CONFIG],
      cwd: ROOT,
      env: childEnv(env),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = readLinesUntil(child.stderr, () => false, 300_000);
    try {
      const { lines, finished } = await readLinesUntil(
        child.stdout,
        (seen) => seen.some((l) => l.startsWith("registrations:")),
        60_000,
      );
      const base = /HTTP: (http:\/\/\S+?)\/? /.exec(lines.join("\n"))?.[1];
      if (!base) {
        const errors = await stderr;
        await errors.finished;
        assert.fail(`${lines.join("\n")}\n${errors.lines.join("\n")}`);
      }
      assert.doesNotMatch(lines.join("\n"), /SIMULATOR/, "production never says simulator");
      const status = async (): Promise<Json> =>
        await (await fetch(`${base}/status`, {
          headers: { authorization: `Bearer ${HTTP_TOKEN}` },
        })).json();
      const stored = (s: Json, sink: string) =>
        s[sink]?.lag_batches === 0 ? s.journal.notifications : -1;
      const allCurrent = async (total: number) => {
        const s = await status();
        return ["local_storage", "sftp_storage", "database_storage"].every((sink) =>
          stored(s, sink) === total
        );
      };
      await until(() => allCurrent(500), "the backlog in all three sinks", {
        limitMs: 60_000,
        intervalMs: 200,
      });

      // SFTP down: pulling goes on, local and PostgreSQL stay current, SFTP falls behind.
      await sshd.stop();
      enqueue(200);
      await until(
        async () => {
          const s = await status();
          return s.journal.notifications === 700 && stored(s, "local_storage") === 700 &&
            stored(s, "database_storage") === 700 && s.sftp_storage.lag_batches > 0 &&
            s.sftp_storage.last_error !== null;
        },
        "local and PostgreSQL current while SFTP is down",
        { limitMs: 60_000, intervalMs: 200 },
      );
      const down = await status();
      assert.match(down.sftp_storage.last_error, /SFTP/);
      await sshd.restart();
      await until(() => allCurrent(700), "SFTP to catch up by itself", {
        limitMs: 60_000,
        intervalMs: 200,
      });

      // PostgreSQL down: the same the other way round.
      await postgres.stop();
      enqueue(200);
      await until(
        async () => {
          const s = await status();
          return s.journal.notifications === 900 && stored(s, "local_storage") === 900 &&
            stored(s, "sftp_storage") === 900 && s.database_storage.lag_batches > 0;
        },
        "local and SFTP current while PostgreSQL is down",
        { limitMs: 60_000, intervalMs: 200 },
      );
      const dbDown = await status();
      assert.match(dbDown.database_storage.last_error, /could not store batch/);
      await postgres.restart();
      await until(() => allCurrent(900), "PostgreSQL to catch up by itself", {
        limitMs: 60_000,
        intervalMs: 200,
      });

      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      await finished;

      const served = new Set(
        registration.replayLog.map((item) => notificationId(REF, JSON.parse(item.text))),
      );
      assert.equal(served.size, 900);
      const local = await fileIds(`${dir}/notifications`);
      const remote = await fileIds(sshd.root);
      const database = await openDatabase({
        enabled: true,
        url: new Secret(postgres.url),
        pool_size: 2,
        migrate_on_start: false,
      });
      let rows: { id: string }[];
      try {
        rows = await database.db.selectFrom("notifications").select("id").execute();
      } finally {
        await database.close();
      }
      for (
        const [name, ids] of [["local", local], ["SFTP", remote], [
          "PostgreSQL",
          rows.map((r) => r.id),
        ]] as const
      ) {
        assert.equal(ids.length, 900, `${name}: each notification exactly once`);
        assert.deepEqual(new Set(ids), served, `${name}: exactly what D&B handed over`);
      }
      const log = (await (await stderr).finished, (await stderr).lines.join("\n"));
      assert.doesNotMatch(log, /NotCapable|Requires \w+ access/, "every permission it needs");
      for (const secret of [CLIENT.clientSecret, HTTP_TOKEN, postgres.password]) {
        assert.ok(!log.includes(secret), "no secret in the log");
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // exited
      }
      await child.status;
      await sim.shutdown();
      await sshd.dispose();
      await postgres.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
