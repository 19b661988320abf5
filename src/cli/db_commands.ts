import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import {
  migrateToLatest,
  type MigrationResult,
  type MigrationState,
  migrationStatus,
} from "../db/migrate.ts";
import { rebuildCompanyState } from "../sinks/company_state_store.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

export interface DbCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
}

/**
 * The schema of the SQL database: `db migrate` brings it up to date (the service also does on
 * start unless `database.migrate_on_start: false`, for deployments where only an operator
 * may change the schema), `db status` says what is applied and what is pending, and
 * `db rebuild-state` computes each company's current state from the stored notifications (the
 * backfill for notifications stored before migration `002_company_state`, or a repair).
 */
export function registerDbCommands(program: Command, deps: DbCommandDeps): void {
  const { io } = deps;
  const db = program.command("db").description("manage the SQL database's schema");

  const withDatabase = async (command: Command, work: (database: Database) => Promise<void>) => {
    const config = await deps.loadConfig(command);
    if (!config.database.enabled) {
      throw new UsageError(
        "database.enabled is false: there is no SQL database to manage (set it to true first)",
      );
    }
    const database = await openDatabase(config.database);
    try {
      await work(database);
    } finally {
      await database.close();
    }
  };

  db.command("migrate")
    .description("apply every pending migration, all or none (exit code 1 when one fails)")
    .action((_options, command: Command) =>
      withDatabase(command, async (database) => {
        io.out(`database: ${database.location} (${database.dialect})`);
        const report = await migrateToLatest(database);
        for (const line of formatMigrationResults(report.results)) io.out(line);
        // The failure is thrown, so the CLI prints it with its code and exits 1.
        if (report.error !== null) throw report.error;
        io.out(
          report.results.length === 0
            ? "the schema is up to date: nothing to apply"
            : `applied ${report.results.length} migration(s)`,
        );
      })
    );

  db.command("status")
    .description("list the migrations this build knows, applied or pending")
    .option("--json", "the database and its migrations as JSON")
    .action((options: { json?: boolean }, command: Command) =>
      withDatabase(command, async (database) => {
        const states = await migrationStatus(database);
        if (options.json) {
          return io.out(JSON.stringify(
            { database: database.location, dialect: database.dialect, migrations: states },
            null,
            2,
          ));
        }
        io.out(`database: ${database.location} (${database.dialect})`);
        for (const line of formatMigrationStates(states)) io.out(line);
      })
    );

  db.command("rebuild-state")
    .description(
      "compute company_state and companies again from every stored notification, in one " +
        "transaction (after upgrading a database that already held notifications)",
    )
    .action((_options, command: Command) =>
      withDatabase(command, async (database) => {
        const pending = (await migrationStatus(database)).filter((state) => !state.applied);
        if (pending.length > 0) {
          throw new UsageError(
            `${database.location} lacks migration(s) ${
              pending.map((state) => state.name).join(", ")
            }: run \`db migrate\` first`,
          );
        }
        io.out(`database: ${database.location} (${database.dialect})`);
        const report = await rebuildCompanyState(database.db, { dialect: database.dialect });
        io.out(
          `rebuilt the state of ${report.companies} compan${
            report.companies === 1 ? "y" : "ies"
          } (${report.paths} value(s)) from ${report.notifications} notification(s)`,
        );
      })
    );
}

/**
 * One line per migration `db migrate` meant to run. After a failure the run is rolled back as
 * a whole, so earlier migrations Kysely reports as `Success` are said to be rolled back too.
 */
export function formatMigrationResults(results: MigrationResult[]): string[] {
  const failed = results.some((result) => result.status === "Error");
  return results.map((result) => {
    const what = result.status === "Error"
      ? "FAILED"
      : result.status === "NotExecuted"
      ? "not run"
      : failed
      ? "rolled back"
      : "applied";
    return `  ${result.migrationName}: ${what}`;
  });
}

/** One line per known migration, then a count; pending ones say how to apply them. */
export function formatMigrationStates(states: MigrationState[]): string[] {
  const lines = states.map((state) =>
    state.applied ? `  applied  ${state.name}  ${state.appliedAt}` : `  pending  ${state.name}`
  );
  const pending = states.filter((state) => !state.applied).length;
  lines.push(
    `${states.length - pending} applied, ${pending} pending` +
      (pending > 0 ? " (run `db migrate`, or start the service with migrate_on_start)" : ""),
  );
  return lines;
}
