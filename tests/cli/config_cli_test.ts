import assert from "node:assert/strict";
import { startSimulator } from "../../src/sim/server.ts";
import { localDataLines, runMain, writeServiceConfig } from "../helpers/cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("config check: the embedded default passes", async () => {
  const result = await runMain(["config", "check"], { cwd: ROOT });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /config\/default\.yaml: OK/);
  assert.match(result.stdout, /D&B API: simulator/);
});

Deno.test("config check: the production example without its variables fails with exit 2, every variable named, no stack", async () => {
  const result = await runMain(["config", "check", "--config", "config/production.example.yaml"], {
    cwd: ROOT,
  });
  assert.equal(result.code, 2);
  for (const variable of ["DNB_CLIENT_ID", "DNB_CLIENT_SECRET", "DATABASE_URL", "SFTP_HOSTNAME"]) {
    assert.match(result.stderr, new RegExp(`\\b${variable}\\b`));
  }
  assert.match(
    result.stderr,
    / {2}dnb_api\.client_id: environment variable DNB_CLIENT_ID is not set \(set it, or give a default: \$\{DNB_CLIENT_ID:-value\}\)/,
  );
  assert.doesNotMatch(result.stderr, /\s{4}at |\.ts:\d+/, "no stack trace");
  assert.doesNotMatch(result.stdout + result.stderr, /SIMULATOR|simulator \(in-process\)/);
});

Deno.test("config check: the original guide's example, with its variables set, fails only for the host key pin", async () => {
  const result = await runMain(
    ["config", "check", "--config", "tests/fixtures/config/original_guide.yaml"],
    {
      cwd: ROOT,
      env: {
        DNB_CLIENT_ID: "client-123",
        DNB_CLIENT_SECRET: "guide-secret-5b1e",
        DATABASE_URL: "postgresql://user:pass@host/db",
        HOME: "/home/tester",
      },
    },
  );
  assert.equal(result.code, 2);
  const problems = result.stderr.split("\n").filter((line) => line.startsWith("  "));
  assert.equal(problems.length, 1, result.stderr);
  assert.match(
    problems[0],
    /sftp_storage\.host_key_fingerprint: the SFTP server's host key must be pinned/,
  );
});

Deno.test("config check: the original guide's example passes with its variables set and its host key pinned", async () => {
  const result = await runMain(
    ["config", "check", "--config", "tests/fixtures/config/original_guide_pinned.yaml"],
    {
      cwd: ROOT,
      env: {
        DNB_CLIENT_ID: "client-123",
        DNB_CLIENT_SECRET: "guide-secret-5b1e",
        DATABASE_URL: "postgresql://user:pass@host/db",
        HOME: "/home/tester",
      },
    },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /guide-secret-5b1e/);
});

Deno.test("config show hides secrets and a database password", async () => {
  const result = await runMain(
    ["config", "show", "--config", "tests/fixtures/config/original_guide_pinned.yaml"],
    {
      cwd: ROOT,
      env: {
        DNB_CLIENT_ID: "client-123",
        DNB_CLIENT_SECRET: "guide-secret-5b1e",
        DATABASE_URL: "postgresql://user:db-pass-77a1@host/db",
        HOME: "/home/tester",
      },
    },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /client_secret: "\*\*\*"/);
  assert.match(result.stdout, /url: postgresql:\/\/user:\*\*\*@host\/db/);
  assert.doesNotMatch(result.stdout, /guide-secret-5b1e|db-pass-77a1/);
  const json = await runMain(
    ["config", "show", "--json", "--config", "tests/fixtures/config/original_guide_pinned.yaml"],
    {
      cwd: ROOT,
      env: {
        DNB_CLIENT_ID: "client-123",
        DNB_CLIENT_SECRET: "guide-secret-5b1e",
        DATABASE_URL: "postgresql://user:db-pass-77a1@host/db",
        HOME: "/home/tester",
      },
    },
  );
  assert.equal(json.code, 0, json.stderr);
  const view = JSON.parse(json.stdout);
  assert.equal(view.dnb_api.client_secret, "***");
  assert.equal(view.database.url, "postgresql://user:***@host/db");
  assert.doesNotMatch(json.stdout, /guide-secret-5b1e|db-pass-77a1/);
});

Deno.test("a YAML syntax error names line and column; exit 2", async () => {
  const result = await runMain([
    "config",
    "check",
    "--config",
    "tests/fixtures/config/syntax_error.yaml",
  ], { cwd: ROOT });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /YAML syntax error at line \d+, column \d+/);
});

Deno.test("an unknown command is a usage error (exit 2)", async () => {
  const result = await runMain(["registrashuns"], { cwd: ROOT });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown command/);
});

const NO_STACK = /\s{4}at |\.ts:\d+/;

/** Writes `lines` (state kept in a temp folder) and runs `config check` on it. */
async function checkConfig(lines: string[], extra: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "traceone-config-" });
  try {
    const path = `${dir}/config.yaml`;
    await Deno.writeTextFile(path, [...lines, ...localDataLines(dir)].join("\n") + "\n");
    return await runMain(["config", "check", "--config", path, ...extra], { cwd: ROOT });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const SIMULATED = ["simulator:", "  enabled: true"];
const PRODUCTION = [
  "environment: production",
  "dnb_api:",
  "  client_id: prod-client",
  "  client_secret: Prod-Secret-6b2f",
];

Deno.test("config check: a cron schedule Deno.cron would refuse is exit 2 naming monitoring.schedule", async () => {
  const result = await checkConfig([...SIMULATED, "monitoring:", '  schedule: "61 * * * *"']);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(
    result.stderr,
    / {2}monitoring\.schedule: "61 \* \* \* \*" is not a schedule Deno\.cron accepts: minute: 61 is out of range \(0-59\) \(5 fields in UTC/,
  );
  assert.doesNotMatch(result.stderr, NO_STACK);
  assert.doesNotMatch(result.stdout, /OK/);
});

Deno.test("config check: a valid cron schedule is shown with its next run", async () => {
  const result = await checkConfig([...SIMULATED, "monitoring:", '  schedule: "*/5 * * * *"']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    / {2}schedule: cron "\*\/5 \* \* \* \*" \(UTC\), next run \d{4}-\d\d-\d\dT\d\d:\d[05]:00\.000Z/,
  );
});

Deno.test("config check: production listening on 0.0.0.0 without auth_token is exit 2 naming http.auth_token", async () => {
  const result = await checkConfig([...PRODUCTION, "http:", '  hostname: "0.0.0.0"']);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(
    result.stderr,
    / {2}http\.auth_token: required in production: http\.hostname "0\.0\.0\.0" accepts connections from other machines: anyone who reaches port 8080 can read \/status, \/metrics and the dashboard \(set http\.auth_token/,
  );
  assert.doesNotMatch(result.stderr, NO_STACK);
});

Deno.test("config check: an http.auth_token shorter than 32 characters is exit 2, says how to make one, never prints it", async () => {
  const token = "short-Tok-4b1f9e";
  const result = await checkConfig([...SIMULATED, "http:", `  auth_token: "${token}"`]);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(
    result.stderr,
    / {2}http\.auth_token: too short: a token needs at least 32 characters \(.*`openssl rand -hex 32`/,
  );
  assert.ok(!(result.stdout + result.stderr).includes(token), "the token was printed");
  assert.doesNotMatch(result.stderr, NO_STACK);
});

Deno.test("config check: an open listener in development passes with a warning on stderr", async () => {
  const result = await checkConfig([
    ...SIMULATED,
    "environment: development",
    "http:",
    '  hostname: "::"',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /: OK/);
  assert.match(
    result.stderr,
    /^warning: http\.auth_token: not set while http\.hostname "::" accepts connections from other machines: .* in production this is an error/m,
  );
  assert.doesNotMatch(result.stdout, /warning/);
});

Deno.test("config check without --online touches no network and says registrations were not checked", async () => {
  const credentials = { clientId: "cfg-client", clientSecret: "Cfg-Secret-20d4" };
  const sim = await startSimulator({
    ...credentials,
    rateLimit: 0,
    registrations: [{ reference: "CFG_KNOWN", duns: ["081466849"] }],
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-config-" });
  try {
    const config = await writeServiceConfig(dir, {
      simulatorUrl: sim.url,
      ...credentials,
      registrations: ["CFG_KNOWN", "NOPE_REG"],
    });
    const result = await runMain(["config", "check", "--config", config]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      / {2}registrations: not checked against the account \(monitoring\.registrations: CFG_KNOWN, NOPE_REG; --online checks them\)/,
    );
    assert.equal(sim.state.counters.requests, 0);
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config check --online signs in once and checks every registration against the account", async () => {
  const credentials = { clientId: "cfg-client", clientSecret: "Cfg-Secret-20d4" };
  const sim = await startSimulator({
    ...credentials,
    rateLimit: 0,
    registrations: [
      { reference: "CFG_KNOWN", duns: ["081466849"] },
      { reference: "CFG_OTHER", duns: ["804735132"] },
    ],
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-config-" });
  try {
    const write = (registrations: string[]) =>
      writeServiceConfig(dir, { simulatorUrl: sim.url, ...credentials, registrations });

    const unknown = await runMain([
      "config",
      "check",
      "--online",
      "--config",
      await write(["CFG_KNOWN", "NOPE_REG"]),
    ]);
    assert.equal(unknown.code, 1, unknown.stdout + unknown.stderr);
    assert.match(unknown.stdout, /: OK/);
    assert.match(
      unknown.stdout,
      / {2}authenticated as cfg-client \(token valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/,
    );
    assert.match(
      unknown.stderr,
      /^monitoring\.registrations\[1\]: NOPE_REG is not a registration of this account \(the account lists: CFG_KNOWN, CFG_OTHER\)$/m,
    );
    assert.doesNotMatch(unknown.stderr, /CFG_KNOWN is not/);
    assert.doesNotMatch(unknown.stderr + unknown.stdout, /Cfg-Secret-20d4/);
    assert.equal(sim.state.counters.requests, 2, "one token request, one registrations list");

    const known = await runMain([
      "config",
      "check",
      "--online",
      "--config",
      await write(["CFG_KNOWN"]),
    ]);
    assert.equal(known.code, 0, known.stderr);
    assert.match(known.stdout, / {2}registrations: CFG_KNOWN: all listed by the account/);
    // The token of the first run is reused from the state, as the service would.
    assert.match(known.stdout, /token valid until .*, the cached one\)/);
    assert.equal(known.stderr, "");
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config check --online with wrong credentials is exit 1, the file itself being valid", async () => {
  const sim = await startSimulator({
    clientId: "cfg-client",
    clientSecret: "Cfg-Secret-20d4",
    rateLimit: 0,
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-config-" });
  try {
    const config = await writeServiceConfig(dir, {
      simulatorUrl: sim.url,
      clientId: "cfg-client",
      clientSecret: "Wrong-Secret-11aa",
      registrations: [],
      dnb: ["max_retries: 0"],
    });
    const result = await runMain(["config", "check", "--online", "--config", config]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /: OK/);
    assert.match(result.stderr, /^error: /m);
    assert.doesNotMatch(result.stderr, NO_STACK);
    assert.doesNotMatch(result.stderr + result.stdout, /Wrong-Secret-11aa/);
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
