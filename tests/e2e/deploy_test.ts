/**
 * deploy.ts as Deno Deploy would run it, but on this machine: configuration from
 * TRACEONE_CONFIG_YAML, write access to its KV folder only, the cron job ticking, the HTTP
 * surface behind the token.
 */
import assert from "node:assert/strict";
import { Secret } from "../../src/model/secret.ts";
import { openDatabase } from "../../src/db/database.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { readLinesUntil } from "../helpers/cli.ts";
import { NEEDS_POSTGRES, postgresAvailable, startPostgres } from "../helpers/postgres.ts";
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_NEEDS,
  S3RVER_SECRET_ACCESS_KEY,
  s3rverAvailable,
  startS3rver,
} from "../helpers/s3rver.ts";
import { until } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const REF = "DEPLOY_REG";
const CLIENT = { clientId: "deploy-client", clientSecret: "deploy-secret-5d1f" };
const HTTP_TOKEN = "deploy-http-token-0123456789abcdef0123456789";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function listTree(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    found.push(entry.name);
    if (entry.isDirectory) {
      found.push(...(await listTree(`${dir}/${entry.name}`)).map((n) => `${entry.name}/${n}`));
    }
  }
  return found.sort();
}

/** The notification ids in every object s3rver holds (it keeps each as `<key>._S3rver_object`). */
async function objectIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) ids.push(...await objectIds(path));
    else if (entry.name.endsWith(".json._S3rver_object")) {
      const content = JSON.parse(await Deno.readTextFile(path));
      ids.push(...content.notifications.map((n: { id: string }) => n.id));
    }
  }
  return ids;
}

function spawnDeploy(options: { cwd: string; kvDir: string; env: Record<string, string> }) {
  const home = Deno.env.get("HOME") ?? "";
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--cached-only",
      "--config",
      `${ROOT}deno.json`,
      "--allow-net",
      "--allow-env",
      "--allow-read",
      `--allow-write=${options.kvDir}`,
      `${ROOT}deploy.ts`,
    ],
    cwd: options.cwd,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: home,
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${home}/.cache/deno`,
      NO_COLOR: "1",
      ...options.env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("deploy.ts with a configuration a deployment may not run is a configuration error naming each key, exit 2", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "traceone-deploy-" });
  try {
    const child = spawnDeploy({
      cwd,
      kvDir: cwd,
      env: {
        TRACEONE_CONFIG_YAML: [
          "simulator:",
          "  enabled: true",
          "local_storage:",
          "  enabled: true",
          "database:",
          "  enabled: true",
          '  url: "sqlite:./data/traceone.db"',
        ].join("\n"),
      },
    });
    const output = await child.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2, stderr);
    for (const key of ["local_storage.enabled", "database.url", "simulator.enabled"]) {
      assert.match(stderr, new RegExp(`^ {2}${key.replace(".", "\\.")}: `, "m"), stderr);
    }
    assert.match(stderr, /http\.auth_token: required under deploy\.ts/);
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    assert.deepEqual(await listTree(cwd), [], "nothing written");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

const withPostgres = postgresAvailable();

Deno.test({
  name:
    `deploy.ts: config from TRACEONE_CONFIG_YAML, the cron job stores every notification in object storage${
      withPostgres ? " and PostgreSQL" : ` (PostgreSQL skipped: ${NEEDS_POSTGRES})`
    }, writes only its KV folder, /status behind the token (${S3RVER_NEEDS})`,
  ignore: !s3rverAvailable(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sim = await startSimulator({
      ...CLIENT,
      rateLimit: 0,
      registrations: [{ reference: REF, duns: ["081466849", "268909075"] }],
    });
    await using s3 = await startS3rver("traceone-deploy");
    const postgres = withPostgres ? await startPostgres() : null;
    const cwd = await Deno.makeTempDir({ prefix: "traceone-deploy-" });
    const kvDir = await Deno.makeTempDir({ prefix: "traceone-deploy-kv-" });
    const registration = sim.state.registrations.get(REF)!;
    sim.state.generate(registration, { count: 150 });
    const port = freePort();
    const child = spawnDeploy({
      cwd,
      kvDir,
      env: {
        PORT: String(port),
        TRACEONE_CONFIG_YAML: [
          "environment: test",
          "dnb_api:",
          '  base_url: "${DNB_BASE_URL}"',
          '  client_id: "${DNB_CLIENT_ID}"',
          '  client_secret: "${DNB_CLIENT_SECRET}"',
          "  rate_limit: 50",
          "monitoring:",
          "  polling_interval: 60",
          "local_storage:",
          "  enabled: false",
          "object_storage:",
          "  enabled: true",
          '  endpoint: "${S3_ENDPOINT}"',
          '  bucket: "traceone-deploy"',
          '  access_key_id: "${S3_ACCESS_KEY_ID}"',
          '  secret_access_key: "${S3_SECRET_ACCESS_KEY}"',
          "database:",
          `  enabled: ${postgres !== null}`,
          ...(postgres ? ['  url: "${DATABASE_URL}"'] : []),
          "state:",
          `  kv_path: "${kvDir}/state.kv"`,
          "http:",
          '  auth_token: "${TRACEONE_HTTP_TOKEN}"',
        ].join("\n"),
        DNB_BASE_URL: sim.url,
        DNB_CLIENT_ID: CLIENT.clientId,
        DNB_CLIENT_SECRET: CLIENT.clientSecret,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
        S3_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
        ...(postgres ? { DATABASE_URL: postgres.url } : {}),
        TRACEONE_HTTP_TOKEN: HTTP_TOKEN,
      },
    });
    const stdout = readLinesUntil(child.stdout, () => false, 150_000);
    const stderr = readLinesUntil(child.stderr, () => false, 150_000);
    const base = `http://127.0.0.1:${port}`;
    try {
      await until(
        async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200,
        "/healthz to answer",
        { limitMs: 30_000, intervalMs: 200 },
      );
      const refused = await fetch(`${base}/status`);
      await refused.body?.cancel();
      assert.equal(refused.status, 401, "/status needs the token");

      const rows = async () => {
        if (postgres === null) return [];
        const database = await openDatabase({
          enabled: true,
          url: new Secret(postgres.url),
          pool_size: 1,
          migrate_on_start: false,
        });
        try {
          return await database.db.selectFrom("notifications").select("id").execute();
        } catch {
          return [];
        } finally {
          await database.close();
        }
      };
      const stored = async () =>
        (await objectIds(s3.dir).catch(() => [])).length === 150 &&
        (postgres === null || (await rows()).length === 150);
      // Deno.cron runs at the top of the minute: at most about a minute away.
      await until(stored, "the cron job to store all 150", { limitMs: 100_000, intervalMs: 1000 });
      const inObjects = await objectIds(s3.dir);
      assert.equal(new Set(inObjects).size, 150, "each notification once in object storage");
      if (postgres) {
        assert.deepEqual(
          new Set((await rows()).map((row) => row.id)),
          new Set(inObjects),
          "PostgreSQL holds the same notifications",
        );
      }

      const status = await (await fetch(`${base}/status`, {
        headers: { authorization: `Bearer ${HTTP_TOKEN}` },
      })).json();
      assert.equal(status.journal.notifications, 150);
      assert.deepEqual(await listTree(cwd), [], "nothing written outside the KV folder");
      assert.ok((await listTree(kvDir)).includes("state.kv"));
    } finally {
      child.kill("SIGTERM");
      await child.status;
      const errors = await stderr;
      await errors.finished;
      await (await stdout).finished;
      const log = errors.lines.join("\n");
      assert.doesNotMatch(log, /NotCapable|Requires \w+ access/, log.slice(-2000));
      for (const secret of [CLIENT.clientSecret, HTTP_TOKEN, postgres?.password ?? HTTP_TOKEN]) {
        assert.ok(!log.includes(secret), "no secret in the log");
      }
      await sim.shutdown();
      await postgres?.destroy();
      await Deno.remove(cwd, { recursive: true });
      await Deno.remove(kvDir, { recursive: true });
    }
  },
});
