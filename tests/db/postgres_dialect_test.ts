import assert from "node:assert/strict";
import { sql } from "kysely";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DatabaseConfigError, DatabaseUnavailableError } from "../../src/db/errors.ts";
import { migrateToLatest, migrationStatus } from "../../src/db/migrate.ts";
import { classifyPostgresError } from "../../src/db/postgres_dialect.ts";
import { createSqlSink } from "../../src/sinks/sql.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";
import { postgresTest, startPostgres } from "../helpers/postgres.ts";

function openUrl(url: string, poolSize = 4): Promise<Database> {
  return openDatabase({
    enabled: true,
    url: new Secret(url),
    pool_size: poolSize,
    migrate_on_start: true,
  });
}

/** A server error as pg reports it: a SQLSTATE `code` and a `severity`. */
function serverError(code: string, message = "server error"): Error {
  return Object.assign(new Error(message), { code, severity: "ERROR" });
}

function socketError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: "read" });
}

Deno.test("classifyPostgresError: values refused are rejected, everything else is an outage", () => {
  for (
    const code of [
      "22001", // string_data_right_truncation
      "22003", // numeric_value_out_of_range
      "22021", // character_not_in_repertoire: NUL in text
      "22P02", // invalid_text_representation: invalid JSON
      "22P05", // untranslatable_character
      "23502", // not_null_violation
      "23505", // unique_violation
      "23514", // check_violation: the id length check
      "54000", // program_limit_exceeded: a value too large to index
    ]
  ) {
    assert.equal(classifyPostgresError(serverError(code)), "rejected", code);
  }
  for (
    const code of [
      "23503", // foreign_key_violation: the parent row was deleted concurrently
      "57P01", // admin_shutdown
      "57P02", // crash_shutdown
      "57P03", // cannot_connect_now: starting up
      "57014", // query_canceled
      "08006", // connection_failure
      "08001", // sqlclient_unable_to_establish_sqlconnection
      "53100", // disk_full
      "53300", // too_many_connections
      "28P01", // invalid_password
      "3D000", // invalid_catalog_name: no such database
      "40001", // serialization_failure
      "40P01", // deadlock_detected
      "55P03", // lock_not_available: lock_timeout
      "42P01", // undefined_table: not migrated
      "42501", // insufficient_privilege
    ]
  ) {
    assert.equal(classifyPostgresError(serverError(code)), "unavailable", code);
  }
  for (
    const error of [
      socketError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"),
      socketError("ECONNRESET", "read ECONNRESET"),
      socketError("EPIPE", "write EPIPE"),
      socketError("ETIMEDOUT", "connect ETIMEDOUT"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      // A five-letter socket code without a severity is not a SQLSTATE.
      Object.assign(new Error("x"), { code: "22000" }),
      null,
      undefined,
      "a string",
    ]
  ) {
    assert.equal(classifyPostgresError(error), "unavailable", String(error));
  }
});

Deno.test("openDatabase refuses an unparsable PostgreSQL URL without quoting it", async () => {
  const error = await openUrl("postgresql://user:Hunter2-secret@host:99999/db").then(
    () => null,
    (caught) => caught,
  );
  assert.ok(error instanceof DatabaseConfigError, String(error));
  assert.equal(error.code, "DATABASE_CONFIG_INVALID");
  assert.match(error.message, /not a valid PostgreSQL URL/);
  assert.ok(!error.message.includes("Hunter2"));
});

Deno.test("openDatabase does not connect: a PostgreSQL database opens and closes with no server", async () => {
  const database = await openUrl("postgresql://user:pw@127.0.0.1:1/db");
  assert.equal(database.dialect, "postgres");
  assert.equal(database.location, "postgresql://user:***@127.0.0.1:1/db");
  await database.close();
  await database.close();
});

postgresTest("SCRAM authentication: the right password connects, over TCP", async () => {
  const pg = await startPostgres();
  try {
    const database = await openUrl(pg.url);
    try {
      const { rows } = await sql<{ method: string; ssl: boolean | null; address: string }>`
        SELECT (SELECT substr(rolpassword, 1, 13) FROM pg_authid WHERE rolname = current_user)
                 AS method,
               inet_client_addr()::text AS address,
               (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl
      `.execute(database.db);
      assert.deepEqual({ ...rows[0] }, {
        method: "SCRAM-SHA-256",
        address: "127.0.0.1/32",
        ssl: false,
      });
      assert.ok(!database.location.includes(pg.password));
      assert.match(
        database.location,
        /^postgresql:\/\/traceone_test:\*\*\*@127\.0\.0\.1:\d+\/traceone$/,
      );
    } finally {
      await database.close();
    }
  } finally {
    await pg.destroy();
  }
});

postgresTest("a wrong password gives a clear error that holds no password", async () => {
  const pg = await startPostgres();
  const wrong = "Wr0ng:pass/word@x";
  try {
    const database = await openUrl(pg.urlWithPassword(wrong));
    try {
      const secrets = [
        wrong,
        encodeURIComponent(wrong),
        pg.password,
        encodeURIComponent(pg.password),
      ];
      const report = await migrateToLatest(database);
      assert.ok(report.error !== null);
      assert.equal(report.error.code, "SQL_MIGRATION_FAILED");
      assert.match(report.error.message, /password authentication failed for user "traceone_test"/);
      assert.match(report.error.message, /127\.0\.0\.1/);
      assert.equal(database.classifyError(report.error.cause), "unavailable");

      const status = await migrationStatus(database).then(() => null, (caught) => caught);
      assert.ok(status instanceof DatabaseUnavailableError, String(status));
      assert.match(status.message, /password authentication failed/);

      const sink = createSqlSink(database);
      const delivery = await sink.deliver({
        registration: "REG",
        sequence: 1,
        pulledAt: "2026-11-01T10:00:00.000Z",
        notifications: journaled("REG", [makeNotification(1)]),
      }).then(() => null, (caught) => caught);
      assert.ok(delivery instanceof DatabaseUnavailableError, String(delivery));
      assert.equal(delivery.code, "SQL_UNAVAILABLE");
      assert.match(delivery.message, /password authentication failed/);

      for (
        const message of [report.error.message, status.message, delivery.message, database.location]
      ) {
        for (const secret of secrets) {
          assert.ok(!message.includes(secret), `${secret} in ${message}`);
        }
      }
    } finally {
      await database.close();
    }
  } finally {
    await pg.destroy();
  }
});

postgresTest(
  "json and jsonb are read back as the text the server sends, on this pool only",
  async () => {
    const pg = await startPostgres();
    try {
      const database = await openUrl(pg.url);
      try {
        const { rows } = await sql<{ json: unknown; jsonb: unknown; int4: unknown }>`
        SELECT '{"b":1,"a":[1,2.50]}'::json AS json, '{"b":1,"a":[1,2.50]}'::jsonb AS jsonb,
               42::int4 AS int4
      `.execute(database.db);
        // Other types keep pg's parsers.
        assert.deepEqual({ ...rows[0] }, {
          json: '{"b":1,"a":[1,2.50]}',
          jsonb: '{"a": [1, 2.50], "b": 1}',
          int4: 42,
        });
      } finally {
        await database.close();
      }
    } finally {
      await pg.destroy();
    }
  },
);

postgresTest(
  "a server restart under idle pooled connections does not crash; the pool reconnects",
  async () => {
    const pg = await startPostgres();
    try {
      const database = await openUrl(pg.url);
      try {
        // Three connections at once, so three idle clients sit in the pool when the server goes.
        await Promise.all(
          [1, 2, 3].map((n) => sql`SELECT pg_sleep(0.05), ${n}::int`.execute(database.db)),
        );
        await pg.restart();
        const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(database.db);
        assert.equal(rows[0].one, 1);
      } finally {
        await database.close();
      }
    } finally {
      await pg.destroy();
    }
  },
);

postgresTest(
  "while the server is down, queries fail fast as an outage; the same pool works after",
  async () => {
    const pg = await startPostgres();
    try {
      const database = await openUrl(pg.url);
      try {
        assert.equal(await migrateToLatest(database).then((report) => report.error), null);
        await pg.stop();
        const started = Date.now();
        const error = await sql`SELECT 1`.execute(database.db).then(() => null, (caught) => caught);
        assert.ok(error !== null);
        assert.match(String((error as Error).message), /ECONNREFUSED|connect/);
        assert.equal(database.classifyError(error), "unavailable");
        assert.ok(Date.now() - started < 5_000, "refused, not timed out");
        await pg.restart();
        assert.deepEqual(
          await migrationStatus(database).then((states) => states.map((s) => s.applied)),
          [true, true],
        );
      } finally {
        await database.close();
      }
    } finally {
      await pg.destroy();
    }
  },
);

postgresTest("a lock held by another session fails after busyTimeoutMs, as an outage", async () => {
  const pg = await startPostgres();
  try {
    const holder = await openUrl(pg.url);
    const waiter = await openDatabase(
      { enabled: true, url: new Secret(pg.url), pool_size: 1, migrate_on_start: true },
      { busyTimeoutMs: 200 },
    );
    try {
      assert.equal((await migrateToLatest(holder)).error, null);
      const trx = await holder.db.startTransaction().execute();
      try {
        await sql`LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE`.execute(trx);
        const started = Date.now();
        const error = await sql`SELECT count(*) FROM notifications`.execute(waiter.db).then(
          () => null,
          (caught) => caught,
        );
        assert.equal((error as { code?: string } | null)?.code, "55P03");
        assert.equal(waiter.classifyError(error), "unavailable");
        assert.ok(Date.now() - started < 3_000);
      } finally {
        await trx.rollback().execute();
      }
    } finally {
      await waiter.close();
      await holder.close();
    }
  } finally {
    await pg.destroy();
  }
});
