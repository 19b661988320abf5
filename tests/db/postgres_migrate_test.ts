import assert from "node:assert/strict";
import { sql } from "kysely";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrateToLatest, migrationStatus } from "../../src/db/migrate.ts";
import { postgresTest, type RunningPostgres, startPostgres } from "../helpers/postgres.ts";

function openUrl(url: string): Promise<Database> {
  return openDatabase({
    enabled: true,
    url: new Secret(url),
    pool_size: 2,
    migrate_on_start: true,
  });
}

async function withPostgres(run: (database: Database, pg: RunningPostgres) => Promise<void>) {
  const pg = await startPostgres();
  try {
    const database = await openUrl(pg.url);
    try {
      await run(database, pg);
    } finally {
      await database.close();
    }
  } finally {
    await pg.destroy();
  }
}

postgresTest(
  "migrations create the tables, JSON columns and indexes on PostgreSQL, once",
  async () => {
    await withPostgres(async (database) => {
      assert.deepEqual(await migrationStatus(database), [
        { name: "001_notifications", applied: false, appliedAt: null },
        { name: "002_company_state", applied: false, appliedAt: null },
      ]);
      const first = await migrateToLatest(database);
      assert.equal(first.error, null);
      assert.deepEqual(first.results, [
        { migrationName: "001_notifications", direction: "Up", status: "Success" },
        { migrationName: "002_company_state", direction: "Up", status: "Success" },
      ]);
      const second = await migrateToLatest(database);
      assert.deepEqual(second, { results: [], error: null });

      const { rows: columns } = await sql<
        { table_name: string; column_name: string; type: string }
      >`
      SELECT table_name, column_name, data_type || CASE is_nullable WHEN 'NO' THEN ' not null' ELSE '' END AS type
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name LIKE 'notification%'
      ORDER BY table_name, ordinal_position
    `.execute(database.db);
      assert.deepEqual(columns.map((c) => `${c.table_name}.${c.column_name} ${c.type}`), [
        "notification_elements.notification_id text not null",
        "notification_elements.position integer not null",
        "notification_elements.element text not null",
        // json, not jsonb: the exact text the sink wrote comes back, as on SQLite.
        "notification_elements.previous_json json",
        "notification_elements.current_json json",
        "notification_elements.change_timestamp text",
        "notifications.id text not null",
        "notifications.registration text not null",
        "notifications.duns text not null",
        "notifications.type text not null",
        "notifications.delivery_timestamp text not null",
        "notifications.pulled_at text not null",
        "notifications.batch_sequence integer not null",
        "notifications.element_count integer not null",
        "notifications.raw_json text not null",
        "notifications.stored_at text not null",
      ]);

      const { rows: indexes } = await sql<{ indexname: string; indexdef: string }>`
      SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename LIKE 'notification%' ORDER BY indexname
    `.execute(database.db);
      assert.deepEqual(
        indexes.map((index) =>
          index.indexdef.replace(/ ON public\./, " ON ").replace(/ USING btree/, "")
        ),
        [
          "CREATE INDEX notification_elements_element_idx ON notification_elements (element)",
          'CREATE UNIQUE INDEX notification_elements_pkey ON notification_elements (notification_id, "position")',
          "CREATE INDEX notifications_duns_delivery_idx ON notifications (duns, delivery_timestamp)",
          "CREATE UNIQUE INDEX notifications_pkey ON notifications (id)",
          "CREATE INDEX notifications_registration_sequence_idx ON notifications (registration, batch_sequence)",
          "CREATE INDEX notifications_type_delivery_idx ON notifications (type, delivery_timestamp)",
        ],
      );

      const { rows: stateColumns } = await sql<
        { table_name: string; column_name: string; type: string }
      >`
      SELECT table_name, column_name, data_type || CASE is_nullable WHEN 'NO' THEN ' not null' ELSE '' END AS type
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN ('company_state', 'companies')
      ORDER BY table_name, ordinal_position
    `.execute(database.db);
      assert.deepEqual(stateColumns.map((c) => `${c.table_name}.${c.column_name} ${c.type}`), [
        "companies.duns text not null",
        "companies.status text not null",
        "companies.status_changed_at text",
        "companies.status_notification_id text",
        "companies.last_notification_id text not null",
        "companies.last_delivery_timestamp text not null",
        "company_state.duns text not null",
        "company_state.element_path text not null",
        // json, not jsonb, as in 001: D&B's text comes back byte for byte.
        "company_state.value_json json",
        "company_state.changed_at text not null",
        "company_state.delivery_timestamp text not null",
        "company_state.notification_id text not null",
      ]);

      for (const state of await migrationStatus(database)) {
        assert.equal(state.applied, true);
        assert.ok(Math.abs(Date.parse(state.appliedAt!) - Date.now()) < 60_000, state.appliedAt!);
      }
    });
  },
);

postgresTest(
  "the schema refuses what it must: a short id, an element without its notification",
  async () => {
    await withPostgres(async (database) => {
      assert.equal((await migrateToLatest(database)).error, null);
      const row = {
        id: "0".repeat(31),
        registration: "R",
        duns: "123456789",
        type: "UPDATE",
        delivery_timestamp: "2026-01-01T00:00:00Z",
        pulled_at: "2026-01-01T00:00:01Z",
        batch_sequence: 1,
        element_count: 0,
        raw_json: "{}",
        stored_at: "2026-01-01T00:00:02Z",
      };
      const check = await database.db.insertInto("notifications").values(row).execute()
        .then(() => null, (error) => error);
      assert.equal((check as { code?: string }).code, "23514");
      assert.equal(database.classifyError(check), "rejected");

      const orphan = await database.db.insertInto("notification_elements").values({
        notification_id: "1".repeat(32),
        position: 0,
        element: "organization.primaryName",
        previous_json: null,
        current_json: '"x"',
        change_timestamp: null,
      }).execute().then(() => null, (error) => error);
      assert.equal((orphan as { code?: string }).code, "23503");
      assert.equal(database.classifyError(orphan), "unavailable");

      const invalidJson = await database.db.insertInto("notifications").values({
        ...row,
        id: "2".repeat(32),
      }).execute().then(async () =>
        await database.db.insertInto("notification_elements").values({
          notification_id: "2".repeat(32),
          position: 0,
          element: "e",
          previous_json: "{not json",
          current_json: null,
          change_timestamp: null,
        }).execute()
      ).then(() => null, (error) => error);
      assert.equal((invalidJson as { code?: string }).code, "22P02");
      assert.equal(database.classifyError(invalidJson), "rejected");
    });
  },
);

postgresTest(
  "two instances migrating at once: one applies, the other finds nothing to do",
  async () => {
    await withPostgres(async (database, pg) => {
      const other = await openUrl(pg.url);
      try {
        const reports = await Promise.all([migrateToLatest(database), migrateToLatest(other)]);
        assert.deepEqual(reports.map((report) => report.error), [null, null]);
        assert.deepEqual(reports.map((report) => report.results.length).sort(), [0, 2]);
      } finally {
        await other.close();
      }
    });
  },
);

postgresTest("a failed migration leaves no table behind and reports which one failed", async () => {
  await withPostgres(async (database, pg) => {
    // A table in the way makes 001 fail halfway, after it created `notifications`.
    const blocker = await openUrl(pg.url);
    try {
      await sql`CREATE TABLE notification_elements (x int)`.execute(blocker.db);
    } finally {
      await blocker.close();
    }
    const report = await migrateToLatest(database);
    assert.equal(report.error?.code, "SQL_MIGRATION_FAILED");
    assert.equal(report.error?.migration, "001_notifications");
    assert.match(report.error!.message, /already exists/);
    assert.ok(!report.error!.message.includes(pg.password));
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'notifications'
    `.execute(database.db);
    assert.equal(rows[0].n, "0", "transactional DDL: the half-made schema was rolled back");
  });
});
