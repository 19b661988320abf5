import { type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";
import type { DialectName } from "./dialect.ts";

/**
 * Every migration, in code rather than files: nothing is read from disk, so a compiled binary
 * carries its schema. Names sort in application order. A migration, once released, never
 * changes: fix forward with a new one.
 */
export function createMigrationProvider(dialect: DialectName): MigrationProvider {
  const migrations: Record<string, Migration> = {
    "001_notifications": notificationsMigration(dialect),
    "002_company_state": companyStateMigration(dialect),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}

function notificationsMigration(dialect: DialectName): Migration {
  // Element values are JSON. On PostgreSQL `json` validates them and can be queried into
  // (`->`, `->>`, a cast to jsonb for an index) while keeping the exact text the sink wrote, so
  // both dialects read back the same strings. jsonb would not: it reorders keys, respaces,
  // respells numbers (1e-7 as 0.0000001) and refuses `\u0000` and lone surrogates, which D&B
  // data may hold. `raw_json` stays text on both, byte for byte as received.
  const json = dialect === "postgres" ? "json" : "text";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("notifications")
        .addColumn("id", "text", (column) => column.primaryKey().check(sql`length(id) = 32`))
        .addColumn("registration", "text", (column) => column.notNull())
        .addColumn("duns", "text", (column) => column.notNull())
        .addColumn("type", "text", (column) => column.notNull())
        .addColumn("delivery_timestamp", "text", (column) => column.notNull())
        .addColumn("pulled_at", "text", (column) => column.notNull())
        .addColumn("batch_sequence", "integer", (column) => column.notNull())
        .addColumn("element_count", "integer", (column) => column.notNull())
        .addColumn("raw_json", "text", (column) => column.notNull())
        .addColumn("stored_at", "text", (column) => column.notNull())
        .execute();

      await db.schema
        .createTable("notification_elements")
        .addColumn(
          "notification_id",
          "text",
          (column) => column.notNull().references("notifications.id").onDelete("cascade"),
        )
        .addColumn("position", "integer", (column) => column.notNull())
        .addColumn("element", "text", (column) => column.notNull())
        .addColumn("previous_json", json)
        .addColumn("current_json", json)
        .addColumn("change_timestamp", "text")
        .addPrimaryKeyConstraint("notification_elements_pkey", ["notification_id", "position"])
        .execute();

      // The questions the table answers: one company's history, changes of a kind over time,
      // one registration's batches in order, and which companies changed a given field.
      await db.schema.createIndex("notifications_duns_delivery_idx")
        .on("notifications").columns(["duns", "delivery_timestamp"]).execute();
      await db.schema.createIndex("notifications_type_delivery_idx")
        .on("notifications").columns(["type", "delivery_timestamp"]).execute();
      await db.schema.createIndex("notifications_registration_sequence_idx")
        .on("notifications").columns(["registration", "batch_sequence"]).execute();
      await db.schema.createIndex("notification_elements_element_idx")
        .on("notification_elements").column("element").execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("notification_elements").execute();
      await db.schema.dropTable("notifications").execute();
    },
  };
}

/**
 * Each company's current values and status, kept by the SQL sink as it stores notifications
 * (`src/sinks/company_state.ts` has the rules). The tables start empty: `db rebuild-state`
 * computes them from the notifications stored before this migration (the rules live in the
 * sinks, which the schema may not import).
 */
function companyStateMigration(dialect: DialectName): Migration {
  // The same rule as 001: json on PostgreSQL keeps D&B's text byte for byte; jsonb would not.
  const json = dialect === "postgres" ? "json" : "text";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("company_state")
        .addColumn("duns", "text", (column) => column.notNull())
        .addColumn("element_path", "text", (column) => column.notNull())
        .addColumn("value_json", json)
        .addColumn("changed_at", "text", (column) => column.notNull())
        .addColumn("delivery_timestamp", "text", (column) => column.notNull())
        .addColumn("notification_id", "text", (column) => column.notNull())
        .addPrimaryKeyConstraint("company_state_pkey", ["duns", "element_path"])
        .execute();

      await db.schema
        .createTable("companies")
        .addColumn("duns", "text", (column) => column.primaryKey())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("status_changed_at", "text")
        .addColumn("status_notification_id", "text")
        .addColumn("last_notification_id", "text", (column) => column.notNull())
        .addColumn("last_delivery_timestamp", "text", (column) => column.notNull())
        .execute();

      // Which companies have a given field (and its value): the cross-company questions.
      await db.schema.createIndex("company_state_element_idx")
        .on("company_state").column("element_path").execute();
      await db.schema.createIndex("companies_status_idx")
        .on("companies").column("status").execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("companies").execute();
      await db.schema.dropTable("company_state").execute();
    },
  };
}
