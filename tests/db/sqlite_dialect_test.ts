import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Kysely, sql } from "kysely";
import { openSqliteConnection } from "../../src/db/sqlite_connection.ts";
import { classifySqliteError } from "../../src/db/sqlite_dialect.ts";
import { openSqlite } from "../../src/db/sqlite_driver.ts";
import { DatabaseUnavailableError } from "../../src/db/errors.ts";

interface TestTables {
  item: { id: number; name: string; note: string | null };
}

async function withTempDir(run: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_sqlite_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function withKysely(
  run: (db: Kysely<TestTables>, path: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const path = `${dir}/adapter.db`;
    const opened = await openSqlite(path, { busyTimeoutMs: 5000 });
    const db = new Kysely<TestTables>({ dialect: opened.dialect });
    try {
      await db.schema.createTable("item")
        .addColumn("id", "integer", (column) => column.primaryKey())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("note", "text")
        .execute();
      await run(db, path);
    } finally {
      await db.destroy();
      await opened.close();
    }
  });
}

Deno.test("openSqliteConnection sets WAL, synchronous=FULL, foreign keys and a busy timeout", async () => {
  await withTempDir((dir) => {
    const connection = openSqliteConnection(`${dir}/pragmas.db`, { busyTimeoutMs: 1234 });
    try {
      const pragma = (name: string) =>
        Object.values(connection.prepare(`PRAGMA ${name}`).get()!)[0];
      assert.equal(pragma("journal_mode"), "wal");
      assert.equal(pragma("synchronous"), 2); // FULL
      assert.equal(pragma("foreign_keys"), 1);
      assert.equal(pragma("busy_timeout"), 1234);
    } finally {
      connection.close();
    }
  });
});

Deno.test("openSqliteConnection reports a missing folder as DatabaseUnavailableError", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/no/such/folder/x.db`;
    assert.throws(
      () => openSqliteConnection(path),
      (error: unknown) =>
        error instanceof DatabaseUnavailableError && error.code === "SQL_UNAVAILABLE" &&
        error.message.includes(path),
    );
  });
});

Deno.test("the adapter runs inserts, selects and RETURNING through Kysely", async () => {
  await withKysely(async (db) => {
    const inserted = await db.insertInto("item")
      .values([{ id: 1, name: "one", note: null }, { id: 2, name: "two", note: "n" }])
      .executeTakeFirstOrThrow();
    assert.equal(inserted.numInsertedOrUpdatedRows, 2n);
    assert.equal(inserted.insertId, 2n);

    const returned = await db.insertInto("item").values({ id: 3, name: "three", note: null })
      .returning(["id", "name"]).execute();
    assert.deepEqual(returned.map((row) => ({ ...row })), [{ id: 3, name: "three" }]);

    const rows = await db.selectFrom("item").selectAll().where("id", ">=", 2).orderBy("id")
      .execute();
    assert.deepEqual(rows.map((row) => ({ ...row })), [
      { id: 2, name: "two", note: "n" },
      { id: 3, name: "three", note: null },
    ]);

    const updated = await db.updateTable("item").set({ note: "x" }).where("id", "<", 3)
      .executeTakeFirstOrThrow();
    assert.equal(updated.numUpdatedRows, 2n);
  });
});

Deno.test("the adapter streams a select row by row", async () => {
  await withKysely(async (db) => {
    await db.insertInto("item").values([1, 2, 3].map((id) => ({ id, name: `n${id}`, note: null })))
      .execute();
    const names: string[] = [];
    for await (const row of db.selectFrom("item").select("name").orderBy("id").stream()) {
      names.push(row.name);
    }
    assert.deepEqual(names, ["n1", "n2", "n3"]);
  });
});

Deno.test("transactions commit together and roll back together", async () => {
  await withKysely(async (db) => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("item").values({ id: 1, name: "kept", note: null }).execute();
      await trx.insertInto("item").values({ id: 2, name: "kept too", note: null }).execute();
    });
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("item").values({ id: 3, name: "lost", note: null }).execute();
        await trx.insertInto("item").values({ id: 1, name: "duplicate", note: null }).execute();
      }),
      /UNIQUE constraint failed/,
    );
    const names = await db.selectFrom("item").select("name").orderBy("id").execute();
    assert.deepEqual(names.map((row) => row.name), ["kept", "kept too"]);
  });
});

Deno.test("a committed write is visible to a second connection to the same file", async () => {
  await withKysely(async (db, path) => {
    await db.insertInto("item").values({ id: 7, name: "seen", note: null }).execute();
    const other = new DatabaseSync(path);
    try {
      assert.deepEqual({ ...other.prepare("SELECT name FROM item WHERE id = 7").get() }, {
        name: "seen",
      });
    } finally {
      other.close();
    }
  });
});

Deno.test("the worker connection runs many distinct statements and keeps SQLite's error codes", async () => {
  await withKysely(async (db) => {
    for (let i = 0; i < 200; i++) {
      const row = await sql<{ v: number }>`SELECT ${sql.lit(i)} AS v`.execute(db);
      assert.deepEqual(row.rows.map((r) => ({ ...r })), [{ v: i }]);
    }
    await db.insertInto("item").values({ id: 1, name: "x", note: null }).execute();
    const error = await db.insertInto("item").values({ id: 1, name: "y", note: null }).execute()
      .catch((e) => e);
    assert.match(String(error?.message), /UNIQUE constraint failed/);
    assert.equal(classifySqliteError(error), "rejected", "the extended code crossed the thread");
  });
});

Deno.test("queries run off the main thread: timers keep firing during a long statement", async () => {
  await withKysely(async (db) => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      // About a second of pure SQLite work.
      await sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
        SELECT count(*) FROM c`.execute(db);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 5, `the event loop ran during the query (${ticks} ticks)`);
  });
});

Deno.test("a closed worker database refuses queries instead of hanging", async () => {
  await withTempDir(async (dir) => {
    const opened = await openSqlite(`${dir}/closed.db`, { busyTimeoutMs: 5000 });
    const db = new Kysely<TestTables>({ dialect: opened.dialect });
    await db.destroy();
    await opened.close();
    await assert.rejects(sql`SELECT 1`.execute(db), /closed/);
  });
});

Deno.test("classifySqliteError: refused values are rejected, everything else is an outage", () => {
  const connection = new DatabaseSync(":memory:");
  try {
    connection.exec("CREATE TABLE t (a TEXT NOT NULL CHECK (length(a) < 5))");
    const errorOf = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return error;
      }
      assert.fail("expected an error");
    };
    const insert = connection.prepare("INSERT INTO t VALUES (?)");
    assert.equal(classifySqliteError(errorOf(() => insert.run("too long"))), "rejected");
    assert.equal(classifySqliteError(errorOf(() => insert.run(null))), "rejected");
    connection.limits.length = 100;
    assert.equal(classifySqliteError(errorOf(() => insert.run("x".repeat(200)))), "rejected");
    assert.equal(
      classifySqliteError(errorOf(() => connection.prepare("SELECT * FROM missing"))),
      "unavailable",
    );
    assert.equal(classifySqliteError(new Error("connection reset")), "unavailable");
    assert.equal(classifySqliteError(undefined), "unavailable");
  } finally {
    connection.close();
  }
});

Deno.test("two connections writing one file in read-then-write transactions: none is refused", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/shared.db`;
    const first = await openSqlite(path, { busyTimeoutMs: 5000 });
    const second = await openSqlite(path, { busyTimeoutMs: 5000 });
    const a = new Kysely<TestTables>({ dialect: first.dialect });
    const b = new Kysely<TestTables>({ dialect: second.dialect });
    try {
      await a.schema.createTable("item")
        .addColumn("id", "integer", (column) => column.primaryKey())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("note", "text")
        .execute();
      const rounds = 150;
      // The sink's shape: read what is there, then write, in one transaction, from the service
      // and from a CLI command at once. A deferred BEGIN fails here with "database is locked".
      const writer = async (db: Kysely<TestTables>, name: string, base: number) => {
        for (let round = 0; round < rounds; round++) {
          await db.transaction().execute(async (trx) => {
            const row = await trx.selectFrom("item").select(sql<number>`count(*)`.as("n"))
              .executeTakeFirstOrThrow();
            await trx.insertInto("item").values({ id: base + round, name, note: String(row.n) })
              .execute();
          });
        }
      };
      await Promise.all([writer(a, "service", 0), writer(b, "cli", rounds)]);
      const count = await a.selectFrom("item").select(sql<number>`count(*)`.as("n"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 2 * rounds);
    } finally {
      await a.destroy();
      await b.destroy();
      await first.close();
      await second.close();
    }
  });
});
