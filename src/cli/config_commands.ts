import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { nextCronRuns } from "../config/cron_schedule.ts";
import { redactDatabaseUrl } from "../config/database_url.ts";
import { formatIssue } from "../config/errors.ts";
import { referencedVariables } from "../config/load.ts";
import {
  denoRunFlags,
  type PermissionSet,
  permissionsFor,
  shellWord,
} from "../config/permissions.ts";
import { effectiveConfigView, showConfig } from "../config/show.ts";
import { configWarnings } from "../config/warnings.ts";
import { checkBucket } from "../sinks/object_storage/mod.ts";
import type { CliIo } from "./io.ts";
import type { Runtime } from "./runtime.ts";

export interface ConfigCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
  /** Opens the D&B client (and the simulator of the embedded default) for `check --online`. */
  openRuntime(config: Config): Promise<Runtime>;
}

export function registerConfigCommands(program: Command, deps: ConfigCommandDeps): void {
  const config = program.command("config").description("check or show the configuration");

  config.command("check")
    .description(
      "validate the configuration; lists every problem at once (exit code 2); --online also " +
        "signs in to D&B and checks monitoring.registrations (exit code 1 when that fails)",
    )
    .option("--online", "sign in to D&B once and check the registrations against the account")
    .action(async (options: { online?: boolean }, command: Command) => {
      const { io } = deps;
      const loaded = await deps.loadConfig(command);
      io.out(`${loaded.source ?? "configuration"}: OK`);
      io.out(`  environment: ${loaded.environment}`);
      io.out(
        `  D&B API: ${
          loaded.simulator.enabled ? "simulator (in-process)" : loaded.dnb_api.base_url
        } (token ${loaded.dnb_api.token_version}, ${loaded.dnb_api.rate_limit} requests/s)`,
      );
      io.out(`  schedule: ${describeSchedule(loaded, new Date())}`);
      io.out(`  sinks: ${enabledSinks(loaded).join(", ") || "none"}`);
      io.out(`  permissions: ${await runCommandLine(loaded)}`);
      for (const warning of configWarnings(loaded)) io.err(`warning: ${formatIssue(warning)}`);
      if (!options.online) {
        io.out(
          `  registrations: not checked against the account (${
            describeRegistrations(loaded)
          }; --online checks them)`,
        );
        return;
      }
      const runtime = await deps.openRuntime(loaded);
      try {
        if (!(await checkOnline(runtime, io))) io.setExitCode(1);
      } finally {
        await runtime.close();
      }
      if (!(await checkSinksOnline(loaded, io))) io.setExitCode(1);
    });

  config.command("show")
    .description("print the effective configuration, defaults filled in, secrets as ***")
    .option("--json", "the same as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = await deps.loadConfig(command);
      deps.io.out(
        options.json ? JSON.stringify(effectiveConfigView(config), null, 2) : showConfig(config),
      );
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
  if (config.object_storage.enabled) {
    const objects = config.object_storage;
    sinks.push(
      `object storage (${objects.endpoint}, bucket ${objects.bucket}, prefix ${
        objects.prefix === "" ? "(none)" : objects.prefix
      }, ${objects.file_format}${objects.compress ? ", gzip" : ""})`,
    );
  }
  if (config.database.enabled) {
    sinks.push(`SQL (${redactDatabaseUrl(config.database.url.reveal())})`);
  }
  const rules = config.alerts.rules;
  if (rules.length > 0) {
    sinks.push(`alerts (${rules.map((rule) => rule.name).join(", ")})`);
  }
  return sinks;
}

/**
 * The permissions `config` needs: its file is read again for the variables it references.
 * `sourceRoot` is the project folder when run from source, null for a binary or bundle.
 */
export async function configPermissions(
  config: Config,
  options: { sourceRoot: string | null },
): Promise<PermissionSet> {
  const text = config.source === null ? "" : await Deno.readTextFile(config.source);
  return permissionsFor(config, {
    configPath: config.source,
    variables: referencedVariables(text),
    sourceRoot: options.sourceRoot,
  });
}

/**
 * The exact `deno run` command that runs this configuration with the permissions it needs and
 * no others (README, "Security"). The file is read again for the variables it references.
 */
export async function runCommandLine(config: Config): Promise<string> {
  const set = await configPermissions(config, { sourceRoot: SOURCE_ROOT });
  const words = [...entryWords(), "run"];
  if (words[0] === "deno") words.splice(3, 0, ...denoRunFlags(set));
  if (config.source !== null) words.push("--config", config.source);
  return words.map(shellWord).join(" ");
}

/**
 * How to start what is running now: `main.ts` from the project (its deno.json turns on KV and
 * cron), the bundle by its path with the unstable flags it cannot read from a deno.json, and a
 * compiled binary by itself (its permissions were embedded when it was built).
 */
function entryWords(): string[] {
  if (SOURCE_ROOT !== null) return ["deno", "run", "--no-prompt", "main.ts"];
  const main = Deno.mainModule;
  if (main.includes("/deno-compile-") || !main.startsWith("file:")) {
    try {
      return [Deno.execPath()];
    } catch {
      return ["./traceone-monitor"]; // execPath needs read permission; the binary's usual name
    }
  }
  return [
    "deno",
    "run",
    "--no-prompt",
    "--unstable-kv",
    "--unstable-cron",
    fileURLToPath(main),
  ];
}

/**
 * The project folder when run from source; null in a bundle (one file, its worker absent) or a
 * compiled binary (modules in a `deno-compile-…` folder, the worker embedded), where no source
 * is read at run time.
 */
const SOURCE_ROOT: string | null = import.meta.url.endsWith("/src/cli/config_commands.ts") &&
    !import.meta.url.includes("/deno-compile-")
  ? fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "")
  : null;

/** `cron "*\/5 * * * *" (UTC), next run …` or `every 60 s`, as `run` will schedule ticks. */
function describeSchedule(config: Config, now: Date): string {
  const cron = config.monitoring.schedule;
  if (cron === null) return `every ${config.monitoring.polling_interval} s (polling_interval)`;
  const [next] = nextCronRuns(cron, { from: now }) ?? [];
  return `cron ${JSON.stringify(cron)} (UTC)${next ? `, next run ${next.toISOString()}` : ""}`;
}

function describeRegistrations(config: Config): string {
  const listed = config.monitoring.registrations;
  return listed.length === 0
    ? "monitoring.registrations is empty: every one the account lists"
    : `monitoring.registrations: ${listed.join(", ")}`;
}

/**
 * Reaches the remote sinks that can be checked without writing: the object store's bucket
 * (endpoint, region, credentials and bucket at once). Prints each result; returns whether all
 * passed.
 */
export async function checkSinksOnline(config: Config, io: CliIo): Promise<boolean> {
  if (!config.object_storage.enabled) return true;
  const check = await checkBucket(config.object_storage);
  if (check.ok) {
    io.out(`  object storage: bucket ${config.object_storage.bucket} reachable at ${check.url}`);
    return true;
  }
  const code = (check.error as { code?: unknown }).code;
  // The shape of every other error line: `error: what, where, what to do [CODE]`.
  io.err(`error: ${check.error.message}${typeof code === "string" ? ` [${code}]` : ""}`);
  return false;
}

/**
 * Signs in once and compares `monitoring.registrations` with what the account lists; prints
 * each reference the account does not know. Returns whether everything was found.
 */
async function checkOnline(runtime: Runtime, io: CliIo): Promise<boolean> {
  const { config, client } = runtime;
  await client.tokens.token();
  const auth = client.tokens.status();
  const until = auth.tokenExpiresIn === null
    ? "unknown"
    : new Date(Date.now() + auth.tokenExpiresIn * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const where = runtime.simulator ? ` at the simulator ${runtime.dnbUrl}` : "";
  io.out(
    `  authenticated as ${config.dnb_api.client_id}${where} (token valid until ${until}` +
      `${auth.refreshes === 0 ? ", the cached one" : ""})`,
  );
  const account = await client.registrations.list();
  const wanted = config.monitoring.registrations;
  if (wanted.length === 0) {
    io.out(`  registrations: every one the account lists (${account.join(", ") || "none"})`);
    return true;
  }
  const missing = wanted
    .map((reference, index) => ({ reference, index }))
    .filter(({ reference }) => !account.includes(reference));
  for (const { reference, index } of missing) {
    io.err(
      `monitoring.registrations[${index}]: ${reference} is not a registration of this account ` +
        `(the account lists: ${account.join(", ") || "none"})`,
    );
  }
  if (missing.length === 0) {
    io.out(`  registrations: ${wanted.join(", ")}: all listed by the account`);
  }
  return missing.length === 0;
}
