/**
 * SQLite without a worker thread: a bundle or binary that does not carry the worker's module, or
 * a runtime without `Worker`, stores the same rows on the main thread.
 */
import assert from "node:assert/strict";
import { Kysely, sql } from "kysely";
import { classifySqliteError } from "../../src/db/sqlite_dialect.ts";
import { openSqlite, type OpenSqliteOptions } from "../../src/db/sqlite_driver.ts";

interface Tables {
  item: { id: number; name: string };
}

async function roundTrip(path: string, options: OpenSqliteOptions): Promise<string> {
  const opened = await openSqlite(path, options);
  const db = new Kysely<Tables>({ dialect: opened.dialect });
  try {
    await db.schema.createTable("item").ifNotExists()
      .addColumn("id", "integer", (column) => column.primaryKey())
      .addColumn("name", "text", (column) => column.notNull())
      .execute();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("item").values([{ id: 1, name: "a" }, { id: 2, name: "b" }]).execute();
    });
    const rows = await db.selectFrom("item").select(["id", "name"]).orderBy("id").execute();
    assert.deepEqual(rows.map((row) => ({ ...row })), [{ id: 1, name: "a" }, { id: 2, name: "b" }]);
    const duplicate = await db.insertInto("item").values({ id: 1, name: "c" }).execute()
      .catch((error) => error);
    assert.equal(classifySqliteError(duplicate), "rejected", "SQLite's code kept in-process too");
    return opened.thread;
  } finally {
    await db.destroy();
    await opened.close();
  }
}

async function inTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_sqlite_fallback_" });
  try {
    return await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the connection runs in a worker when one can start", async () => {
  assert.equal(
    await inTempDir((dir) => roundTrip(`${dir}/a.db`, { busyTimeoutMs: 1000 })),
    "worker",
  );
});

Deno.test("a worker module that is not there (a bundle without it): the same rows, in-process", async () => {
  const thread = await inTempDir((dir) =>
    roundTrip(`${dir}/a.db`, {
      busyTimeoutMs: 1000,
      workerModule: new URL(`file://${dir}/no_such_worker.ts`),
    })
  );
  assert.equal(thread, "in_process");
});

Deno.test("a runtime without Worker: in-process", async () => {
  const original = globalThis.Worker;
  // deno-lint-ignore no-explicit-any
  delete (globalThis as any).Worker;
  try {
    assert.equal(
      await inTempDir((dir) => roundTrip(`${dir}/a.db`, { busyTimeoutMs: 1000 })),
      "in_process",
    );
  } finally {
    globalThis.Worker = original;
  }
});

Deno.test("a file that is not a database is an error, not a fallback, in either thread", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/not.db`;
    await Deno.writeTextFile(path, "this is not a SQLite database, only text ".repeat(100));
    for (const workerModule of [undefined, null]) {
      await assert.rejects(
        (async () => {
          const opened = await openSqlite(path, { busyTimeoutMs: 100, workerModule });
          await opened.close();
        })(),
        /not a database|file is not a database|cannot configure/i,
      );
    }
  });
});

Deno.test("in-process: a closed database refuses queries", async () => {
  await inTempDir(async (dir) => {
    const opened = await openSqlite(`${dir}/c.db`, { busyTimeoutMs: 1000, workerModule: null });
    const db = new Kysely<Tables>({ dialect: opened.dialect });
    await db.destroy();
    await opened.close();
    await assert.rejects(sql`SELECT 1`.execute(db), /closed/);
  });
});
