import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import { ServiceMetrics } from "../pipeline/mod.ts";
import { type RunningHttpServer, startHttpServer } from "../http/server.ts";
import { VERSION } from "../version.ts";
import { configWarnings } from "../config/warnings.ts";
import { logger } from "../log.ts";
import { enabledSinks } from "./config_commands.ts";
import type { CliIo } from "./io.ts";
import type { Runtime } from "./runtime.ts";
import { createOperationsApp } from "./operations_app.ts";
import { startScheduledSyncs } from "./scheduled_sync.ts";
import { openServiceSession, setupCommandLogging } from "./service_session.ts";

export interface RunCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
  openRuntime(
    config: Config,
    options?: { onAttempt?: ServiceMetrics["onAttempt"] },
  ): Promise<Runtime>;
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
  setupCommandLogging(config, io);
  for (const warning of configWarnings(config)) {
    logger("config").warn("{path}: {message}", { ...warning });
  }
  const metrics = new ServiceMetrics();
  const runtime = await deps.openRuntime(config, { onAttempt: metrics.onAttempt });
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
  let http: RunningHttpServer | null = null;
  const syncs = new AbortController();
  let session: Awaited<ReturnType<typeof openServiceSession>> | null = null;
  try {
    session = await openServiceSession(runtime, { metrics });
    const { service } = session;
    if (config.http.enabled) {
      const app = createOperationsApp(session, { metrics });
      http = await startHttpServer(app, { hostname: config.http.hostname, port: config.http.port });
      io.out(
        `HTTP: ${http.url} (dashboard; status: ${http.url}status, metrics: ${http.url}metrics)`,
      );
    }
    await runtime.client.tokens.token();
    const auth = runtime.client.tokens.status();
    io.out(
      `authenticated with token ${config.dnb_api.token_version} (expires in ${auth.tokenExpiresIn} s)`,
    );
    const listed = await runtime.client.registrations.list();
    const references = await service.registrations();
    for (const missing of references.filter((ref) => !listed.includes(ref))) {
      io.err(`monitoring.registrations: ${missing} is not a registration of this account`);
    }
    // Listen before the last startup line: a Ctrl-C right after it must already stop gracefully.
    const stop = deps.stopRequested();
    io.out(`registrations: ${references.join(", ") || "none"}`);
    await service.start();
    const scheduled = startScheduledSyncs(runtime, { signal: syncs.signal });
    await stop;
    syncs.abort();
    // A sync in progress stops after its batch and records it before the state closes.
    await scheduled.idle();
    io.out("stopping: finishing the batch in hand and the sinks' deliveries");
  } finally {
    syncs.abort();
    await http?.shutdown();
    await session?.close();
    await runtime.close();
  }
  io.out("stopped");
}
