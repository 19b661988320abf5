import assert from "node:assert/strict";
import { sql } from "kysely";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DatabaseMigrationError } from "../../src/db/errors.ts";
import { migrateToLatest, migrationStatus } from "../../src/db/migrate.ts";
import { createMigrationProvider } from "../../src/db/migrations.ts";
import { Migrator } from "kysely/migration";

async function withDatabase(run: (database: Database) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_migrate_" });
  const database = await openDatabase({
    enabled: true,
    url: new Secret(`sqlite:${dir}/migrate.db`),
    pool_size: 1,
    migrate_on_start: true,
  });
  try {
    await run(database);
  } finally {
    await database.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function schemaObjects(database: Database, type: "table" | "index"): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = ${type} AND name NOT LIKE 'sqlite_%' ORDER BY name
  `.execute(database.db);
  return rows.map((row) => row.name);
}

Deno.test("migrations apply once, then report nothing to do", async () => {
  await withDatabase(async (database) => {
    const first = await migrateToLatest(database);
    assert.equal(first.error, null);
    assert.deepEqual(first.results, [
      { migrationName: "001_notifications", direction: "Up", status: "Success" },
      { migrationName: "002_company_state", direction: "Up", status: "Success" },
    ]);
    const second = await migrateToLatest(database);
    assert.equal(second.error, null);
    assert.deepEqual(second.results, []);

    const tables = await schemaObjects(database, "table");
    for (const table of ["notifications", "notification_elements", "company_state", "companies"]) {
      assert.ok(tables.includes(table), `${table} in ${tables}`);
    }
    assert.deepEqual(await schemaObjects(database, "index"), [
      "companies_status_idx",
      "company_state_element_idx",
      "notification_elements_element_idx",
      "notifications_duns_delivery_idx",
      "notifications_registration_sequence_idx",
      "notifications_type_delivery_idx",
    ]);
  });
});

Deno.test("migrationStatus lists each migration as pending, then as applied", async () => {
  await withDatabase(async (database) => {
    assert.deepEqual(await migrationStatus(database), [
      { name: "001_notifications", applied: false, appliedAt: null },
      { name: "002_company_state", applied: false, appliedAt: null },
    ]);
    const before = Date.now();
    await migrateToLatest(database);
    const states = await migrationStatus(database);
    assert.deepEqual(states.map((state) => state.name), ["001_notifications", "002_company_state"]);
    for (const state of states) {
      assert.equal(state.applied, true);
      assert.ok(state.appliedAt !== null);
      assert.match(state.appliedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Date.parse(state.appliedAt) >= before - 1000);
    }
  });
});

Deno.test("the schema enforces the id length, NOT NULL and the element's notification", async () => {
  await withDatabase(async (database) => {
    await migrateToLatest(database);
    const row = {
      id: "0123456789abcdef0123456789abcdef",
      registration: "REG",
      duns: "123456789",
      type: "UPDATE",
      delivery_timestamp: "2024-05-01T10:00:00Z",
      pulled_at: "2024-05-01T10:00:01.000Z",
      batch_sequence: 1,
      element_count: 0,
      raw_json: "{}",
      stored_at: "2024-05-01T10:00:02.000Z",
    };
    await database.db.insertInto("notifications").values(row).execute();
    await assert.rejects(
      database.db.insertInto("notifications").values({ ...row, id: "short" }).execute(),
      /CHECK constraint failed/,
    );
    await assert.rejects(
      database.db.insertInto("notifications")
        .values({ ...row, id: "f".repeat(32), duns: null as unknown as string }).execute(),
      /NOT NULL constraint failed/,
    );
    const element = {
      notification_id: "e".repeat(32),
      position: 0,
      element: "organization.primaryName",
      previous_json: null,
      current_json: null,
      change_timestamp: null,
    };
    await assert.rejects(
      database.db.insertInto("notification_elements").values(element).execute(),
      /FOREIGN KEY constraint failed/,
    );
    await database.db.insertInto("notification_elements")
      .values({ ...element, notification_id: row.id }).execute();
  });
});

Deno.test("a failing migration is reported as a value naming it, and rolled back", async () => {
  await withDatabase(async (database) => {
    // A table left by something else makes 001 fail half way.
    await sql`CREATE TABLE notification_elements (x TEXT)`.execute(database.db);
    const report = await migrateToLatest(database);
    assert.deepEqual(report.results, [
      { migrationName: "001_notifications", direction: "Up", status: "Error" },
      { migrationName: "002_company_state", direction: "Up", status: "NotExecuted" },
    ]);
    assert.ok(report.error instanceof DatabaseMigrationError);
    assert.equal(report.error.code, "SQL_MIGRATION_FAILED");
    assert.equal(report.error.migration, "001_notifications");
    assert.match(report.error.message, /001_notifications/);
    assert.match(report.error.message, /already exists/);
    // `notifications` was created before the failure and rolled back with it.
    assert.ok(!(await schemaObjects(database, "table")).includes("notifications"));
    assert.deepEqual((await migrationStatus(database)).map((state) => state.applied), [
      false,
      false,
    ]);
  });
});

Deno.test("002 adds company_state and companies to a database that already has 001", async () => {
  await withDatabase(async (database) => {
    // A database of the previous release: 001 applied, notifications stored.
    const migrator = new Migrator({
      db: database.db,
      provider: createMigrationProvider(database.dialect),
    });
    assert.equal((await migrator.migrateTo("001_notifications")).error, undefined);
    assert.ok(!(await schemaObjects(database, "table")).includes("company_state"));

    const report = await migrateToLatest(database);
    assert.deepEqual(report.results, [
      { migrationName: "002_company_state", direction: "Up", status: "Success" },
    ]);
    const row = {
      duns: "123456789",
      element_path: "organization.primaryName",
      value_json: '"Acme"',
      changed_at: "2024-05-01T10:00:00Z",
      delivery_timestamp: "2024-05-01T10:00:00.000Z",
      notification_id: "0".repeat(32),
    };
    await database.db.insertInto("company_state").values(row).execute();
    await assert.rejects(
      database.db.insertInto("company_state").values(row).execute(),
      /UNIQUE constraint failed/,
    );
    await assert.rejects(
      database.db.insertInto("companies").values({
        duns: "123456789",
        status: null as unknown as string,
        status_changed_at: null,
        status_notification_id: null,
        last_notification_id: "0".repeat(32),
        last_delivery_timestamp: "2024-05-01T10:00:00.000Z",
      }).execute(),
      /NOT NULL constraint failed/,
    );
  });
});
