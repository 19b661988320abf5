import assert from "node:assert/strict";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { type ChangeRow, dunsHistory, recentChanges } from "../../src/db/queries.ts";
import type { Notification } from "../../src/model/payload.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import { createSqlSink } from "../../src/sinks/sql.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";
import { postgresTest, startPostgres } from "../helpers/postgres.ts";

const REGISTRATION = "QUERIES_REG";

/** Changes with several elements, with none, and with JSON that jsonb would rewrite. */
function batches(): Batch[] {
  return [0, 1, 2].map((sequence) => {
    const notifications: Notification[] = [];
    for (let n = sequence * 20; n < sequence * 20 + 20; n++) {
      const notification = makeNotification(n);
      if (n % 5 === 0) {
        notification.type = "DELETE";
        notification.elements = [];
      } else if (n % 3 === 0) {
        notification.elements.push({
          element: "organization.telephone",
          previous: [{ telephoneNumber: "6505550000", isdCode: "1" }],
          current: { z: 1, a: [2.5, 1e-7] },
        });
      }
      notifications.push(notification);
    }
    return {
      registration: REGISTRATION,
      sequence,
      pulledAt: `2026-11-01T10:0${sequence}:00.000Z`,
      notifications: journaled(REGISTRATION, notifications),
    };
  });
}

async function filled(url: string): Promise<Database> {
  const database = await openDatabase({
    enabled: true,
    url: new Secret(url),
    pool_size: 2,
    migrate_on_start: true,
  });
  assert.equal((await migrateToLatest(database)).error, null);
  const sink = createSqlSink(database, { clock: () => new Date("2026-11-01T11:00:00.000Z") });
  for (const batch of batches()) await sink.deliver(batch);
  return database;
}

function plain(rows: ChangeRow[]): ChangeRow[] {
  return rows.map((row) => ({ ...row }));
}

postgresTest(
  "dunsHistory and recentChanges return the same rows on PostgreSQL as on SQLite",
  async () => {
    const pg = await startPostgres();
    const dir = await Deno.makeTempDir({ prefix: "traceone_queries_pg_" });
    try {
      const sqlite = await filled(`sqlite:${dir}/queries.db`);
      const postgres = await filled(pg.url);
      try {
        for (const duns of ["100000000", "100000003", "999999999"]) {
          const expected = plain(await dunsHistory(sqlite.db, duns));
          assert.deepEqual(plain(await dunsHistory(postgres.db, duns)), expected, duns);
          assert.deepEqual(
            plain(await dunsHistory(postgres.db, duns, { limit: 3 })),
            plain(await dunsHistory(sqlite.db, duns, { limit: 3 })),
          );
        }
        const recent = plain(await recentChanges(postgres.db, { limit: 15 }));
        assert.deepEqual(recent, plain(await recentChanges(sqlite.db, { limit: 15 })));

        // The shape itself: numbers as numbers, a notification without elements as one row of
        // NULLs, JSON as the text the sink wrote.
        assert.equal(new Set(recent.map((row) => row.notification_id)).size, 15);
        const deleted = recent.find((row) => row.type === "DELETE");
        assert.deepEqual(
          [deleted?.position, deleted?.element, deleted?.previous_json, deleted?.current_json],
          [null, null, null, null],
        );
        const phone = recent.find((row) => row.element === "organization.telephone");
        assert.equal(phone?.position, 1);
        assert.equal(phone?.current_json, '{"z":1,"a":[2.5,1e-7]}');
        assert.equal(phone?.previous_json, '[{"telephoneNumber":"6505550000","isdCode":"1"}]');
        assert.equal(phone?.change_timestamp, null);
      } finally {
        await postgres.close();
        await sqlite.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
      await pg.destroy();
    }
  },
);

postgresTest("the queries on an empty PostgreSQL database return no rows", async () => {
  const pg = await startPostgres();
  try {
    const database = await openDatabase({
      enabled: true,
      url: new Secret(pg.url),
      pool_size: 1,
      migrate_on_start: true,
    });
    try {
      assert.equal((await migrateToLatest(database)).error, null);
      assert.deepEqual(await recentChanges(database.db), []);
      assert.deepEqual(await dunsHistory(database.db, "100000000"), []);
    } finally {
      await database.close();
    }
  } finally {
    await pg.destroy();
  }
});
