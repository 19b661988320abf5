import assert from "node:assert/strict";
import { Command } from "commander";
import {
  formatMigrationResults,
  formatMigrationStates,
  registerDbCommands,
} from "../../src/cli/db_commands.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { loadConfig } from "../../src/config/load.ts";
import { runMain } from "../helpers/cli.ts";
import { postgresTest, type RunningPostgres, startPostgres } from "../helpers/postgres.ts";

/** The URL reaches the config through the environment, as a deployment passes its password. */
const URL_VARIABLE = "TRACEONE_TEST_DATABASE_URL";

async function writeConfig(dir: string): Promise<string> {
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    path,
    [
      "environment: test",
      "dnb_api:",
      '  client_id: "db-cli-test"',
      '  client_secret: "db-cli-test-secret"',
      "database:",
      `  url: "\${${URL_VARIABLE}}"`,
      "  pool_size: 2",
      "state:",
      `  kv_path: "${dir}/state.kv"`,
      "local_storage:",
      `  base_path: "${dir}/notifications"`,
    ].join("\n") + "\n",
  );
  return path;
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** `registerDbCommands` alone on a program of its own, with the output captured. */
async function runDb(args: string[], options: { config: string; url: string }): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const env = (name: string) => name === URL_VARIABLE ? options.url : undefined;
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    progress: () => {},
    isTerminal: false,
    errIsTerminal: false,
    env,
    cwd: Deno.cwd(),
    setExitCode: (code) => exitCode = code,
    exitCode: () => exitCode,
  };
  const program = new Command("traceone").exitOverride();
  registerDbCommands(program, {
    io,
    loadConfig: () => loadConfig(options.config, { env, cwd: Deno.cwd() }),
  });
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    err.push(`error: ${(error as Error).message} [${(error as { code?: string }).code}]`);
    exitCode = 1;
  }
  return { code: exitCode, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function withCluster(run: (pg: RunningPostgres, config: string) => Promise<void>) {
  const pg = await startPostgres();
  const dir = await Deno.makeTempDir({ prefix: "traceone_db_cli_" });
  try {
    await run(pg, await writeConfig(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await pg.destroy();
  }
}

function assertNoPassword(result: Captured, pg: RunningPostgres, extra: string[] = []): void {
  const text = result.stdout + result.stderr;
  for (const secret of [pg.password, encodeURIComponent(pg.password), ...extra]) {
    assert.ok(!text.includes(secret), `the password leaked:\n${text}`);
  }
}

Deno.test("formatMigrationResults and formatMigrationStates say what happened to each migration", () => {
  assert.deepEqual(
    formatMigrationResults([
      { migrationName: "001_a", direction: "Up", status: "Success" },
      { migrationName: "002_b", direction: "Up", status: "Error" },
      { migrationName: "003_c", direction: "Up", status: "NotExecuted" },
    ]),
    ["  001_a: rolled back", "  002_b: FAILED", "  003_c: not run"],
  );
  assert.deepEqual(
    formatMigrationResults([{ migrationName: "001_a", direction: "Up", status: "Success" }]),
    ["  001_a: applied"],
  );
  assert.deepEqual(
    formatMigrationStates([
      { name: "001_a", applied: true, appliedAt: "2026-11-01T10:00:00.000Z" },
      { name: "002_b", applied: false, appliedAt: null },
    ]),
    [
      "  applied  001_a  2026-11-01T10:00:00.000Z",
      "  pending  002_b",
      "1 applied, 1 pending (run `db migrate`, or start the service with migrate_on_start)",
    ],
  );
});

postgresTest(
  "db status, db migrate, db status against PostgreSQL; the password is never shown",
  async () => {
    await withCluster(async (pg, config) => {
      const location = new RegExp(
        `database: postgresql://traceone_test:\\*\\*\\*@127\\.0\\.0\\.1:${pg.port}/traceone \\(postgres\\)`,
      );
      const before = await runDb(["db", "status"], { config, url: pg.url });
      assert.equal(before.code, 0, before.stderr);
      assert.match(before.stdout, location);
      assert.match(before.stdout, /^ {2}pending {2}001_notifications$/m);
      assert.match(before.stdout, /^0 applied, 2 pending/m);

      const migrated = await runDb(["db", "migrate"], { config, url: pg.url });
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /^ {2}001_notifications: applied$/m);
      assert.match(migrated.stdout, /^applied 2 migration\(s\)$/m);

      const again = await runDb(["db", "migrate"], { config, url: pg.url });
      assert.match(again.stdout, /the schema is up to date: nothing to apply/);

      const after = await runDb(["db", "status"], { config, url: pg.url });
      assert.match(after.stdout, /^ {2}applied {2}001_notifications {2}\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      assert.match(after.stdout, /^2 applied, 0 pending$/m);
      for (const result of [before, migrated, again, after]) assertNoPassword(result, pg);
    });
  },
);

postgresTest(
  "db migrate with a wrong password fails with exit 1 and a message without it",
  async () => {
    await withCluster(async (pg, config) => {
      const wrong = "N0t-the:password";
      const result = await runDb(["db", "migrate"], { config, url: pg.urlWithPassword(wrong) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /password authentication failed for user "traceone_test"/);
      assert.match(result.stderr, /\[SQL_MIGRATION_FAILED\]/);
      assertNoPassword(result, pg, [wrong, encodeURIComponent(wrong)]);
    });
  },
);

// Through main.ts, as a user runs it.

postgresTest("traceone db migrate / db status against PostgreSQL", async () => {
  await withCluster(async (pg, config) => {
    const env = { [URL_VARIABLE]: pg.url };
    const status = await runMain(["db", "status", "--config", config], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /pending {2}001_notifications/);

    const migrated = await runMain(["db", "migrate", "--config", config], { env });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /001_notifications: applied/);

    const after = await runMain(["db", "status", "--config", config], { env });
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /postgresql:\/\/traceone_test:\*\*\*@127\.0\.0\.1:\d+\/traceone/);
    assert.match(after.stdout, /2 applied, 0 pending/);
    for (const result of [status, migrated, after]) assertNoPassword(result, pg);
  });
});

postgresTest(
  "traceone db migrate exits 1 while PostgreSQL is down, naming the database",
  async () => {
    await withCluster(async (pg, config) => {
      await pg.stop();
      const result = await runMain(["db", "migrate", "--config", config], {
        env: { [URL_VARIABLE]: pg.url },
      });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, /ECONNREFUSED|connect/);
      assert.match(result.stderr, /traceone_test:\*\*\*@127\.0\.0\.1/);
      assert.doesNotMatch(result.stderr, /\s{4}at /, "no stack trace");
      assertNoPassword(result, pg);
    });
  },
);
