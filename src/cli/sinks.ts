import type { Config } from "../config/config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { createAlertSink } from "../sinks/alerts/mod.ts";
import { createLocalSink } from "../sinks/local.ts";
import { createObjectStorageSink } from "../sinks/object_storage/mod.ts";
import { createSftpSink } from "../sinks/sftp/mod.ts";
import type { Sink } from "../sinks/sink.ts";
import type { AlertRuleStatus } from "../model/alert_status.ts";
import { kvSentAlertLog } from "../pipeline/mod.ts";
import { createSqlSink } from "../sinks/sql.ts";

export interface OpenedSinks {
  sinks: Sink[];
  database: Database | null;
  /** The alert rules' last firing and delivery state; null without rules. */
  alertStatus: (() => AlertRuleStatus[]) | null;
  /** Closes what the sinks borrow (the database); the service closes the sinks themselves. */
  close(): Promise<void>;
}

/** The sinks the configuration enables, opened; the database migrated unless told not to. */
export async function openSinks(
  config: Config,
  options: { kv?: Deno.Kv } = {},
): Promise<OpenedSinks> {
  const sinks: Sink[] = [];
  let database: Database | null = null;
  if (config.local_storage.enabled) sinks.push(createLocalSink(config.local_storage));
  if (config.sftp_storage.enabled) sinks.push(createSftpSink(config.sftp_storage));
  if (config.object_storage.enabled) sinks.push(createObjectStorageSink(config.object_storage));
  // Sent alert ids on the state KV: a batch re-delivered after a crash alerts nobody twice.
  const alerts = config.alerts.rules.length > 0
    ? createAlertSink(config.alerts, {
      sentLog: options.kv ? kvSentAlertLog(options.kv) : undefined,
    })
    : null;
  if (alerts) sinks.push(alerts);
  if (config.database.enabled) {
    database = await openDatabase(config.database);
    try {
      if (config.database.migrate_on_start) {
        const report = await migrateToLatest(database);
        if (report.error) throw report.error;
      }
    } catch (error) {
      await database.close();
      throw error;
    }
    sinks.push(createSqlSink(database));
  }
  return {
    sinks,
    database,
    alertStatus: alerts ? () => alerts.alertStatus() : null,
    close: async () => {
      await database?.close();
    },
  };
}
