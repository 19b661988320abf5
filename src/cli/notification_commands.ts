import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { type ChangeRow, dunsHistory, recentChanges } from "../db/queries.ts";
import { normalizeDuns } from "../dnb/duns.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

export interface NotificationCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
}

/** Reading what the SQL sink stored: the latest changes, and one company's history. */
export function registerNotificationCommands(
  program: Command,
  deps: NotificationCommandDeps,
): void {
  const { io } = deps;
  const notifications = program.command("notifications")
    .description("read stored notifications from the SQL database");

  const withDatabase = async (
    command: Command,
    query: (db: Database["db"]) => Promise<ChangeRow[]>,
  ) => {
    const config = await deps.loadConfig(command);
    if (!config.database.enabled) {
      throw new UsageError("database.enabled is false: nothing to read");
    }
    const database = await openDatabase(config.database);
    try {
      const rows = await query(database.db);
      if (rows.length === 0) io.out("no notifications stored yet");
      for (const line of formatChanges(rows)) io.out(line);
    } finally {
      await database.close();
    }
  };

  notifications.command("recent").description("the latest notifications and what changed")
    .option("--limit <n>", "how many notifications", "10")
    .action((options: { limit: string }, command: Command) =>
      withDatabase(command, (db) => recentChanges(db, { limit: Number(options.limit) }))
    );

  notifications.command("history <duns>").description("every stored change of one DUNS")
    .option("--limit <n>", "how many changed elements", "200")
    .action((duns: string, options: { limit: string }, command: Command) => {
      const checked = normalizeDuns(duns);
      if ("reason" in checked) throw new UsageError(`"${duns}" is not a DUNS: ${checked.reason}`);
      return withDatabase(
        command,
        (db) => dunsHistory(db, checked.duns, { limit: Number(options.limit) }),
      );
    });
}

/** One header line per notification, then one `previous → current` line per changed element. */
export function formatChanges(rows: ChangeRow[]): string[] {
  const lines: string[] = [];
  let current: string | null = null;
  for (const row of rows) {
    if (row.notification_id !== current) {
      current = row.notification_id;
      lines.push(
        `${row.delivery_timestamp}  ${row.type.padEnd(12)} ${row.duns}  ${row.registration}`,
      );
    }
    if (row.element !== null) {
      lines.push(`    ${row.element}: ${short(row.previous_json)} → ${short(row.current_json)}`);
    }
  }
  return lines;
}

function short(json: string | null): string {
  if (json === null) return "(none)";
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
