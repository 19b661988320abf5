import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { createHttpApp } from "../http/app.ts";
import { type RunningHttpServer, startHttpServer } from "../http/server.ts";
import { VERSION } from "../version.ts";
import { enabledSinks } from "./config_commands.ts";
import type { CliIo } from "./io.ts";
import type { Runtime } from "./runtime.ts";

export interface RunCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
  openRuntime(config: Config): Promise<Runtime>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopRequested(): Promise<void>;
}

export function registerRunCommand(program: Command, deps: RunCommandDeps): void {
  program.command("run").alias("start")
    .description("run the monitoring service until SIGINT or SIGTERM")
    .action(async (_options, command: Command) => {
      const config = await deps.loadConfig(command);
      await runService(config, deps);
    });
}

async function runService(config: Config, deps: RunCommandDeps): Promise<void> {
  const { io } = deps;
  const runtime = await deps.openRuntime(config);
  let http: RunningHttpServer | null = null;
  try {
    io.out(`TraceOne Monitor ${VERSION} (${config.environment})`);
    if (runtime.simulator) {
      io.out(
        `D&B API: SIMULATOR at ${runtime.dnbUrl} (${runtime.simulator.replace("_", "-")}; ` +
          "generated data, not D&B)",
      );
    } else {
      io.out(`D&B API: ${runtime.dnbUrl}`);
    }
    io.out(`state: ${config.state.kv_path}`);
    io.out(`sinks: ${enabledSinks(config).join("; ") || "none"}`);
    if (config.http.enabled) {
      http = await startHttpServer(
        createHttpApp({ status: () => serviceStatus(runtime, config) }),
        { hostname: config.http.hostname, port: config.http.port },
      );
      io.out(`HTTP: ${http.url} (status: ${http.url}status)`);
    }
    await runtime.client.tokens.token();
    const auth = runtime.client.tokens.status();
    io.out(
      `authenticated with token ${config.dnb_api.token_version} (expires in ${auth.tokenExpiresIn} s)`,
    );
    const listed = await runtime.client.registrations.list();
    const wanted = config.monitoring.registrations;
    const monitored = wanted.length ? wanted.filter((ref) => listed.includes(ref)) : listed;
    for (const missing of wanted.filter((ref) => !listed.includes(ref))) {
      io.err(`monitoring.registrations: ${missing} is not a registration of this account`);
    }
    io.out(`registrations: ${monitored.join(", ") || "none"}`);
    await deps.stopRequested();
    io.out("stopping");
  } finally {
    await http?.shutdown();
    await runtime.close();
  }
}

function serviceStatus(runtime: Runtime, config: Config) {
  const client = runtime.client.status();
  return {
    service: {
      running: true,
      environment: config.environment,
      version: VERSION,
      simulator: runtime.simulator !== null,
    },
    authentication: {
      is_authenticated: client.authentication.isAuthenticated,
      token_expires_in: client.authentication.tokenExpiresIn,
    },
    api_client: {
      base_url: client.baseUrl,
      rate_limit: client.rateLimit,
      breaker: client.breaker.state,
      requests: client.transport.attempts,
      errors: client.transport.errors,
      rate_limited: client.transport.rateLimited,
    },
  };
}
