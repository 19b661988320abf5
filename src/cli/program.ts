import { Command, CommanderError } from "commander";
import type { Config } from "../config/config.ts";
import { ConfigError } from "../config/errors.ts";
import { loadConfig } from "../config/load.ts";
import { readRegistrationSpec } from "../dnb/registration_spec.ts";
import { CircuitOpenError } from "../resilience/circuit_breaker.ts";
import { VERSION } from "../version.ts";
import { registerConfigCommands } from "./config_commands.ts";
import { registerDbCommands } from "./db_commands.ts";
import { registerImportCommand } from "./import_command.ts";
import { configPath } from "./config_path.ts";
import type { CliIo } from "./io.ts";
import { registerNotificationCommands } from "./notification_commands.ts";
import { registerPipelineCommands } from "./pipeline_commands.ts";
import { registerRegistrationCommands } from "./registration_commands.ts";
import { registerRunCommand } from "./run_command.ts";
import { openRuntime, type Runtime } from "./runtime.ts";
import { registerSimulateCommand } from "./simulate_command.ts";
import { registerStatusCommand } from "./status_command.ts";
import { UsageError } from "./usage_error.ts";

export interface CliOptions {
  io: CliIo;
  /** Resolves when the process is asked to stop; `main.ts` ties it to SIGINT/SIGTERM. */
  stopRequested(): Promise<void>;
}

/** Exit codes: 0 done, 1 the work failed, 2 the user's input (config, arguments) is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function buildProgram(options: CliOptions): Command {
  const { io } = options;
  const program = new Command("traceone")
    .description("TraceOne Monitor: D&B Direct+ monitoring that never loses a notification")
    .version(VERSION)
    .option(
      "-c, --config <file>",
      "configuration file (default: $TRACEONE_CONFIG or config/default.yaml)",
    )
    .option("--debug", "show stack traces of unexpected errors")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, "")),
      writeErr: (text) => io.err(text.replace(/\n$/, "")),
    });

  const load = (command: Command): Promise<Config> => {
    const global = command.optsWithGlobals() as { config?: string };
    return loadConfig(configPath(global.config, { env: io.env, cwd: io.cwd }), {
      env: io.env,
      cwd: io.cwd,
    });
  };
  const withRuntime = async <T>(command: Command, work: (runtime: Runtime) => Promise<T>) => {
    const runtime = await openRuntime(await load(command));
    try {
      return await work(runtime);
    } finally {
      await runtime.close();
    }
  };

  registerRunCommand(program, {
    io,
    loadConfig: load,
    openRuntime,
    stopRequested: options.stopRequested,
  });
  registerConfigCommands(program, { io, loadConfig: load, openRuntime });
  registerRegistrationCommands(program, { io, withRuntime, readRegistrationSpec });
  registerPipelineCommands(program, { io, withRuntime });
  registerImportCommand(program, { io, withRuntime });
  registerNotificationCommands(program, { io, loadConfig: load });
  registerStatusCommand(program, { io, loadConfig: load });
  registerDbCommands(program, { io, loadConfig: load });
  registerSimulateCommand(program, { io, stopRequested: options.stopRequested });
  return program;
}

/** Runs one command line and returns its exit code. Never throws. */
export async function runCli(args: string[], options: CliOptions): Promise<number> {
  const { io } = options;
  const program = buildProgram(options);
  try {
    await program.parseAsync(args, { from: "user" });
    return io.exitCode();
  } catch (error) {
    return reportError(error, { io, debug: args.includes("--debug") });
  }
}

function reportError(error: unknown, options: { io: CliIo; debug: boolean }): number {
  const { io } = options;
  if (error instanceof CommanderError) {
    // Help and version exit 0; commander already printed its own message for usage errors.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof ConfigError) {
    io.err(`configuration error${error.source ? ` in ${error.source}` : ""}:`);
    for (const line of error.message.split("\n")) io.err(`  ${line}`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}`);
    return EXIT.usage;
  }
  const denied = permissionDenied(error);
  if (denied) {
    io.err(`error: permission denied by Deno: ${denied.what}`);
    io.err(
      `  run with ${denied.flag}${denied.target ? `=${denied.target}` : ""} ` +
        "(`deno task config-check --config FILE` prints the deno run line with every flag the " +
        "file needs; put any command in place of its `run`, e.g. `config check --online`)",
    );
    if (denied.keys) {
      io.err(`  the ${denied.kind} targets come from the configuration: ${denied.keys}`);
    }
    if (options.debug && error instanceof Error && error.stack) io.err(error.stack);
    return EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && "code" in error ? ` [${String(error.code)}]` : "";
  io.err(`error: ${message}${code}`);
  if (options.debug && error instanceof Error && error.stack) io.err(error.stack);
  if (error instanceof CircuitOpenError) io.err("the D&B API has been failing; try again later");
  return EXIT.failed;
}

const FLAGS: Record<string, string> = {
  read: "--allow-read",
  write: "--allow-write",
  net: "--allow-net",
  env: "--allow-env",
  sys: "--allow-sys",
  run: "--allow-run",
  ffi: "--allow-ffi",
  import: "--allow-import",
};

/** Where the configuration names what each kind of permission is needed for. */
const CONFIG_KEYS: Record<string, string> = {
  read: "--config, state.kv_path, local_storage.base_path, database.url (sqlite:), " +
    "sftp_storage.private_key_path",
  write: "state.kv_path, local_storage.base_path, database.url (sqlite:)",
  net: "dnb_api.base_url, http.hostname/port, simulator.hostname/port, sftp_storage.host/port, " +
    "database.url (postgresql:)",
  env: "${NAME} references in the configuration file",
};

export interface PermissionDenied {
  kind: string;
  flag: string;
  /** The path, host or variable Deno refused, when it said which. */
  target: string | null;
  what: string;
  keys: string | null;
}

/**
 * Recognises a permission Deno refused (`Deno.errors.NotCapable`, or its message relayed by a
 * worker or wrapped as the `cause` of another error) and names the flag that grants it.
 */
export function permissionDenied(error: unknown): PermissionDenied | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const match = /Requires (\w+) access(?: to "([^"]*)")?/.exec(e.message);
    if (
      match && (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied ||
        /--allow-\w+ flag/.test(e.message))
    ) {
      const kind = match[1];
      const target = match[2] ?? null;
      return {
        kind,
        flag: FLAGS[kind] ?? `--allow-${kind}`,
        target,
        what: `${kind} access${target ? ` to "${target}"` : ""}`,
        keys: CONFIG_KEYS[kind] ?? null,
      };
    }
    e = e.cause;
  }
  return null;
}
