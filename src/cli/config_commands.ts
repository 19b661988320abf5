import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { redactDatabaseUrl } from "../config/database_url.ts";
import { showConfig } from "../config/show.ts";
import type { CliIo } from "./io.ts";

export interface ConfigCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
}

export function registerConfigCommands(program: Command, deps: ConfigCommandDeps): void {
  const config = program.command("config").description("check or show the configuration");

  config.command("check")
    .description("validate the configuration; lists every problem at once (exit code 2)")
    .action(async (_options, command: Command) => {
      const loaded = await deps.loadConfig(command);
      deps.io.out(`${loaded.source ?? "configuration"}: OK`);
      deps.io.out(`  environment: ${loaded.environment}`);
      deps.io.out(
        `  D&B API: ${
          loaded.simulator.enabled ? "simulator (in-process)" : loaded.dnb_api.base_url
        } (token ${loaded.dnb_api.token_version}, ${loaded.dnb_api.rate_limit} requests/s)`,
      );
      deps.io.out(`  sinks: ${enabledSinks(loaded).join(", ") || "none"}`);
    });

  config.command("show")
    .description("print the effective configuration, defaults filled in, secrets as ***")
    .action(async (_options, command: Command) => {
      deps.io.out(showConfig(await deps.loadConfig(command)));
    });
}

export function enabledSinks(config: Config): string[] {
  const sinks: string[] = [];
  if (config.local_storage.enabled) {
    sinks.push(
      `local files (${config.local_storage.base_path}, ${config.local_storage.file_format})`,
    );
  }
  if (config.sftp_storage.enabled) {
    sinks.push(
      `SFTP (${config.sftp_storage.username}@${config.sftp_storage.hostname}:${config.sftp_storage.port}${config.sftp_storage.remote_base_path})`,
    );
  }
  if (config.database.enabled) {
    sinks.push(`SQL (${redactDatabaseUrl(config.database.url.reveal())})`);
  }
  return sinks;
}
