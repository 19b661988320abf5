import { type MigrationResult, Migrator } from "kysely/migration";
import type { Database } from "./database.ts";
import { DatabaseMigrationError, DatabaseUnavailableError } from "./errors.ts";
import { createMigrationProvider } from "./migrations.ts";

export type { MigrationResult };

/** What `migrateToLatest` did: one result per migration it meant to run, and why it stopped. */
export interface MigrateReport {
  /** Empty when the schema was already current. */
  results: MigrationResult[];
  error: DatabaseMigrationError | null;
}

/** One known migration and whether this database has it. */
export interface MigrationState {
  name: string;
  applied: boolean;
  /** UTC ISO-8601, or null while pending. */
  appliedAt: string | null;
}

/**
 * Applies every pending migration in one transaction: when one fails, the whole run is rolled
 * back (results before it still say `Success`, as Kysely reports them). Like Kysely's `Migrator`, it
 * reports failure as a value rather than throwing, so a caller can show which migration failed
 * and which did not run.
 */
export async function migrateToLatest(database: Database): Promise<MigrateReport> {
  const { error, results = [] } = await migratorFor(database).migrateToLatest();
  if (error === undefined) return { results, error: null };
  const failed = results.find((result) => result.status === "Error")?.migrationName ?? null;
  const what = failed === null
    ? "could not read which migrations were applied"
    : `migration ${failed} failed and the run was rolled back`;
  return {
    results,
    error: new DatabaseMigrationError(
      `${database.location}: ${what}: ${database.redact(messageOf(error))} ` +
        "(check that the database is reachable and the user may create tables, then migrate again)",
      { migration: failed, cause: error },
    ),
  };
}

/**
 * Every migration this build knows, in order, applied or pending; for `db status`.
 *
 * @throws DatabaseUnavailableError when the database cannot be read
 */
export async function migrationStatus(database: Database): Promise<MigrationState[]> {
  try {
    const migrations = await migratorFor(database).getMigrations();
    return migrations.map((migration) => ({
      name: migration.name,
      applied: migration.executedAt !== undefined,
      appliedAt: migration.executedAt?.toISOString() ?? null,
    }));
  } catch (error) {
    throw new DatabaseUnavailableError(
      `${database.location}: cannot read the applied migrations: ` +
        `${database.redact(messageOf(error))} (check that the database is reachable)`,
      { cause: error },
    );
  }
}

function migratorFor(database: Database): Migrator {
  return new Migrator({ db: database.db, provider: createMigrationProvider(database.dialect) });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
