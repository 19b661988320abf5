import assert from "node:assert/strict";
import { sql } from "kysely";
import type { DatabaseConfig } from "../../src/config/config.ts";
import { Secret } from "../../src/model/secret.ts";
import { openDatabase } from "../../src/db/database.ts";
import { redactDatabaseUrl } from "../../src/config/database_url.ts";
import { DatabaseConfigError, DatabaseUnavailableError } from "../../src/db/errors.ts";

const PASSWORD = "S3cret-Pa55word";

function databaseConfig(url: string): DatabaseConfig {
  return { enabled: true, url: new Secret(url), pool_size: 2, migrate_on_start: true };
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_db_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function isConfigError(error: unknown): error is DatabaseConfigError {
  return error instanceof DatabaseConfigError && error.code === "DATABASE_CONFIG_INVALID";
}

Deno.test("openDatabase opens a SQLite file and creates its parent folders", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/nested/deeper/traceone.db`;
    const database = await openDatabase(databaseConfig(`sqlite:${path}`));
    try {
      assert.equal(database.dialect, "sqlite");
      assert.equal(database.location, `sqlite:${path}`);
      const { rows } = await sql<{ answer: number }>`SELECT 6 * 7 AS answer`.execute(database.db);
      assert.equal(rows[0].answer, 42);
      const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(database.db);
      assert.equal(mode.rows[0].journal_mode, "wal");
    } finally {
      await database.close();
    }
    assert.ok((await Deno.stat(path)).isFile);
  });
});

Deno.test("openDatabase accepts sqlite:///abs and sqlite::memory:", async () => {
  await withTempDir(async (dir) => {
    const file = await openDatabase(databaseConfig(`sqlite://${dir}/triple.db`));
    await sql`CREATE TABLE t (a TEXT)`.execute(file.db);
    await file.close();
    assert.ok((await Deno.stat(`${dir}/triple.db`)).isFile);
  });
  const memory = await openDatabase(databaseConfig("sqlite::memory:"));
  try {
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(memory.db);
    assert.equal(rows[0].one, 1);
  } finally {
    await memory.close();
  }
});

Deno.test("close is idempotent and works before any query ran", async () => {
  await withTempDir(async (dir) => {
    const database = await openDatabase(databaseConfig(`sqlite:${dir}/idle.db`));
    await Promise.all([database.close(), database.close()]);
    await database.close();
    // The file is released: a new connection can take the write lock at once.
    const again = await openDatabase(databaseConfig(`sqlite:${dir}/idle.db`), { busyTimeoutMs: 0 });
    try {
      await sql`CREATE TABLE t (a TEXT)`.execute(again.db);
    } finally {
      await again.close();
    }
  });
});

Deno.test("a relative SQLite path is a DatabaseConfigError", async () => {
  await assert.rejects(
    openDatabase(databaseConfig("sqlite:./data/traceone.db")),
    (error: unknown) => isConfigError(error) && /absolute/.test(error.message),
  );
  await assert.rejects(openDatabase(databaseConfig("sqlite:")), isConfigError);
});

Deno.test("a folder that cannot be created is a DatabaseUnavailableError naming it", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a_file`, "not a folder");
    await assert.rejects(
      openDatabase(databaseConfig(`sqlite:${dir}/a_file/sub/x.db`)),
      (error: unknown) =>
        error instanceof DatabaseUnavailableError && error.code === "SQL_UNAVAILABLE" &&
        error.message.includes(`${dir}/a_file/sub`),
    );
  });
});

Deno.test("an unknown scheme or no scheme is a DatabaseConfigError", async () => {
  await assert.rejects(
    openDatabase(databaseConfig(`mysql://root:${PASSWORD}@localhost/db`)),
    (error: unknown) =>
      isConfigError(error) && error.message.includes('"mysql:"') &&
      !error.message.includes(PASSWORD),
  );
  await assert.rejects(
    openDatabase(databaseConfig("/var/lib/traceone.db")),
    (error: unknown) => isConfigError(error) && /no scheme/.test(error.message),
  );
});

Deno.test("redactDatabaseUrl masks passwords and secret query parameters", () => {
  assert.equal(
    redactDatabaseUrl(`postgresql://u:${PASSWORD}@h:5432/d?sslmode=require&password=${PASSWORD}`),
    "postgresql://u:***@h:5432/d?sslmode=require&password=***",
  );
  assert.equal(redactDatabaseUrl("sqlite:/srv/x.db"), "sqlite:/srv/x.db");
  assert.equal(redactDatabaseUrl(`not a url ${PASSWORD}`), "***");
});
