import type { Config } from "../config/config.ts";
import { databaseUrlSecrets } from "../config/database_url.ts";
import { setupLogging } from "../log.ts";
import type { AlertRuleStatus } from "../model/alert_status.ts";
import { MonitoringService, type ServiceMetrics, type StatusJson } from "../pipeline/mod.ts";
import { VERSION } from "../version.ts";
import type { CliIo } from "./io.ts";
import type { Runtime } from "./runtime.ts";
import { type OpenedSinks, openSinks } from "./sinks.ts";

export interface ServiceSession {
  runtime: Runtime;
  sinks: OpenedSinks;
  service: MonitoringService;
  /** `/status`: the service's, with the alert rules' state as `alert_rules`. */
  status(): Promise<StatusJson & { alert_rules: AlertRuleStatus[] }>;
  /** Shuts the service down, then closes what it borrowed, in reverse order of opening. */
  close(): Promise<void>;
}

/** Logging for a command: JSON lines, text on a terminal or with `debug`; secrets blanked. */
export function setupCommandLogging(config: Config, io: CliIo): void {
  setupLogging({
    debug: config.debug,
    format: io.isTerminal ? "text" : "json",
    secrets: configSecrets(config),
    // Through the command's stderr, so a progress line is cleared first, never glued to.
    write: (line) => io.err(line.replace(/\n$/, "")),
  });
}

/** The service over an open runtime, with the sinks the configuration enables. */
export async function openServiceSession(
  runtime: Runtime,
  options: { metrics?: ServiceMetrics } = {},
): Promise<ServiceSession> {
  const sinks = await openSinks(runtime.config, { kv: runtime.kv });
  let service: MonitoringService;
  try {
    service = await MonitoringService.create({
      config: runtime.config,
      kv: runtime.kv,
      client: runtime.client,
      sinks: sinks.sinks,
      simulator: runtime.simulator !== null,
      version: VERSION,
      metrics: options.metrics,
    });
  } catch (error) {
    await sinks.close();
    throw error;
  }
  return {
    runtime,
    sinks,
    service,
    status: async () => ({
      ...await service.getServiceStatus(),
      alert_rules: sinks.alertStatus?.() ?? [],
    }),
    close: async () => {
      await service.shutdown();
      await sinks.close();
    },
  };
}

/** Every secret the configuration holds, for the log masker. */
export function configSecrets(config: Config): string[] {
  const secrets = [
    config.dnb_api.client_secret,
    config.sftp_storage.password,
    config.sftp_storage.passphrase,
    config.http.auth_token,
    config.state.token_key,
  ].flatMap((secret) => secret && !secret.isEmpty ? [secret.reveal()] : []);
  return [...secrets, ...databaseUrlSecrets(config.database.url.reveal())];
}
