import assert from "node:assert/strict";
import { runMain } from "../helpers/cli.ts";

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
