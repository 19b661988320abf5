import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { openDatabase } from "../db/database.ts";
import { createNotificationStore } from "../db/notification_store.ts";
import type { ChangeRow, CompanyState, NotificationStore } from "../model/notification_store.ts";
import { normalizeDuns } from "../model/duns.ts";
import { compactJson } from "../http/json_text.ts";
import { terminalSafe } from "../terminal_text.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

export interface NotificationCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
}

/**
 * Reading what the SQL sink stored: the latest changes, one company's history, and its
 * current state.
 */
export function registerNotificationCommands(
  program: Command,
  deps: NotificationCommandDeps,
): void {
  const { io } = deps;
  const notifications = program.command("notifications")
    .description("read stored notifications from the SQL database");

  const openStore = async (command: Command, work: (store: NotificationStore) => Promise<void>) => {
    const config = await deps.loadConfig(command);
    if (!config.database.enabled) {
      throw new UsageError("database.enabled is false: nothing to read");
    }
    const database = await openDatabase(config.database);
    try {
      await work(createNotificationStore(database));
    } finally {
      await database.close();
    }
  };

  const withStore = (
    command: Command,
    read: (store: NotificationStore) => Promise<{ rows: ChangeRow[]; none: string }>,
    json = false,
  ) =>
    openStore(command, async (store) => {
      const { rows, none } = await read(store);
      if (json) return io.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) {
        const stored = await store.count();
        io.out(stored === 0 ? "no notifications stored yet" : `${none} (${stored} stored in all)`);
      }
      for (const line of formatChanges(rows)) io.out(line);
    });

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

  notifications.command("current <duns>")
    .description("one DUNS's status and the current value of every stored path")
    .option("--json", "the status and values as JSON")
    .action((duns: string, options: { json?: boolean }, command: Command) => {
      const checked = normalizeDuns(duns);
      if ("reason" in checked) throw new UsageError(`"${duns}" is not a DUNS: ${checked.reason}`);
      return openStore(command, async (store) => {
        const state = await store.currentState?.(checked.duns) ?? null;
        if (options.json) return io.out(JSON.stringify(state, null, 2));
        if (state === null) {
          const stored = await store.count();
          io.out(
            stored === 0
              ? "no notifications stored yet"
              : `no state stored for DUNS ${checked.duns} (${stored} notifications stored in ` +
                "all; a database filled before migration 002 needs `db rebuild-state`)",
          );
          return;
        }
        for (const line of formatCurrentState(state)) io.out(line);
      });
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

/**
 * The company's status, then one `path = value` line per stored path with when and by which
 * notification it was set. Values are compact JSON as D&B spelled them, cut at 100 characters
 * (`--json` has them whole), and terminal-safe.
 */
export function formatCurrentState(state: CompanyState): string[] {
  const since = state.status_changed_at === null ? "" : ` since ${state.status_changed_at}`;
  const lines = [
    terminalSafe(`DUNS ${state.duns}  status: ${state.status}${since}`),
    terminalSafe(
      `last notification ${state.last_notification_id} delivered ${state.last_delivery_timestamp}`,
    ),
  ];
  if (state.values.length === 0) lines.push("  (no values stored)");
  for (const value of state.values) {
    const text = value.value_json === null ? "(none)" : clip(compactJson(value.value_json), 100);
    lines.push(terminalSafe(`  ${value.element_path} = ${text}`));
    lines.push(
      terminalSafe(`      changed ${value.changed_at}, notification ${value.notification_id}`),
    );
  }
  return lines;
}

function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 3).join("")}...` : text;
}
