import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { openDatabase } from "../db/database.ts";
import { createNotificationStore } from "../db/notification_store.ts";
import type { ChangeRow, NotificationStore } from "../model/notification_store.ts";
import { normalizeDuns } from "../model/duns.ts";
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

  const withStore = async (
    command: Command,
    read: (store: NotificationStore) => Promise<{ rows: ChangeRow[]; none: string }>,
    json = false,
  ) => {
    const config = await deps.loadConfig(command);
    if (!config.database.enabled) {
      throw new UsageError("database.enabled is false: nothing to read");
    }
    const database = await openDatabase(config.database);
    try {
      const store = createNotificationStore(database);
      const { rows, none } = await read(store);
      if (json) return io.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) {
        const stored = await store.count();
        io.out(stored === 0 ? "no notifications stored yet" : `${none} (${stored} stored in all)`);
      }
      for (const line of formatChanges(rows)) io.out(line);
    } finally {
      await database.close();
    }
  };

  notifications.command("recent").description("the latest notifications and what changed")
    .option("--limit <n>", "how many notifications (1 or more)", "10")
    .option("--json", "the rows (one per changed element) as JSON")
    .action((options: { limit: string; json?: boolean }, command: Command) => {
      const limit = positiveLimit(options.limit);
      return withStore(command, async (store) => ({
        rows: await store.recent({ limit }),
        none: "no notifications",
      }), options.json);
    });

  notifications.command("history <duns>").description("every stored change of one DUNS")
    .option("--limit <n>", "how many changed elements (1 or more)", "200")
    .option("--json", "the rows (one per changed element) as JSON")
    .action((duns: string, options: { limit: string; json?: boolean }, command: Command) => {
      const limit = positiveLimit(options.limit);
      const checked = normalizeDuns(duns);
      if ("reason" in checked) throw new UsageError(`"${duns}" is not a DUNS: ${checked.reason}`);
      return withStore(command, async (store) => ({
        rows: await store.history(checked.duns, { limit }),
        none: `no notifications stored for DUNS ${checked.duns}`,
      }), options.json);
    });
}

/** `--limit` as a whole number ≥ 1, checked before anything is opened. */
function positiveLimit(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1)) {
    throw new UsageError(`--limit must be a whole number of 1 or more, got "${text}"`);
  }
  return value;
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
