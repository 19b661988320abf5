/**
 * The service as Deno Deploy runs it: configuration from the environment, read while the module
 * graph is evaluated (Deploy discovers `Deno.cron` jobs only then), one cron job with a fixed
 * name that ticks every registration and delivers, and a request handler. The state, the client
 * and the sinks open on first use and reopen after a failure, so a database that is down at a
 * cold start does not leave the isolate broken.
 */
import { resolve } from "node:path";
import type { Config } from "../config/config.ts";
import { deployProblems } from "../config/deploy_rules.ts";
import { ConfigError, formatIssue } from "../config/errors.ts";
import { parseConfig } from "../config/load.ts";
import { logger, setupLogging } from "../log.ts";
import { cronForInterval, ServiceMetrics, type TickResult } from "../pipeline/mod.ts";
import { createOperationsApp } from "./operations_app.ts";
import { openRuntime } from "./runtime.ts";
import { configSecrets, openServiceSession, type ServiceSession } from "./service_session.ts";

const log = logger("deploy");

/** The name of the one cron job; fixed, so a redeploy replaces the job instead of adding one. */
export const DEPLOY_CRON_NAME = "traceone-monitor tick";

/** Where `deploy.ts` finds its configuration and port. */
export interface DeploymentEnv {
  get(name: string): string | undefined;
  /** The folder a relative `TRACEONE_CONFIG` or path in the file is read against. */
  cwd: string;
}

export interface Deployment {
  config: Config;
  cron: { name: string; schedule: string };
  /** `PORT` when set, else `http.port`. */
  port: number;
  /**
   * `http.hostname` when run outside Deno Deploy (a local `deno run deploy.ts` listens on
   * loopback like `run`); undefined on Deploy, whose platform routes requests to the isolate.
   */
  hostname: string | undefined;
  /** The cron job: ticks every registration to the end, delivers, purges the journal. */
  tick(): Promise<TickResult[]>;
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The configuration `deploy.ts` runs: the YAML text in `TRACEONE_CONFIG_YAML`, or the file
 * `TRACEONE_CONFIG` names; `${VAR}` substituted as usual; then the rules of a deployment.
 * Synchronous, as it runs while the module is evaluated. Throws `ConfigError`.
 */
export function loadDeployConfig(env: DeploymentEnv): Config {
  const yaml = env.get("TRACEONE_CONFIG_YAML");
  const path = env.get("TRACEONE_CONFIG");
  let text: string;
  let source: string;
  if (yaml !== undefined && yaml.trim() !== "") {
    text = yaml;
    source = "TRACEONE_CONFIG_YAML";
  } else if (path !== undefined && path !== "") {
    source = resolve(env.cwd, path);
    try {
      text = Deno.readTextFileSync(source);
    } catch (error) {
      throw new ConfigError([{
        path: "TRACEONE_CONFIG",
        message: `cannot read ${source} (${error instanceof Error ? error.name : error})`,
      }], { source });
    }
  } else {
    throw new ConfigError([{
      path: "TRACEONE_CONFIG_YAML",
      message: "not set: give the configuration as YAML text in TRACEONE_CONFIG_YAML, or its " +
        "path in TRACEONE_CONFIG",
    }]);
  }
  const config = parseConfig(text, {
    source,
    env: (name) => env.get(name),
    cwd: env.cwd,
    home: env.get("HOME") ?? null,
  });
  // Deno Deploy sets DENO_DEPLOYMENT_ID; without it this is a local run of deploy.ts.
  const problems = deployProblems(config, {
    onDeploy: env.get("DENO_DEPLOYMENT_ID") !== undefined,
  });
  if (problems.length > 0) throw new ConfigError(problems, { source });
  return config;
}

/** The cron expression of the deployment's job: the schedule, the interval, or every minute. */
export function deployCronSchedule(config: Config): string {
  const { schedule, polling_interval } = config.monitoring;
  if (schedule !== null) return schedule;
  const cron = cronForInterval(polling_interval);
  if (cron !== null) return cron;
  // Deno.cron's finest step is a minute; an interval cron cannot spell runs at the next one.
  return "* * * * *";
}

interface Opened {
  session: ServiceSession;
  app: { fetch(request: Request): Response | Promise<Response> };
}

/** What `deploy.ts` wires: a configuration error comes back as lines to print, not a throw. */
export function prepareDeployment(
  env: DeploymentEnv,
): { ok: true; deployment: Deployment } | { ok: false; lines: string[] } {
  let config: Config;
  try {
    config = loadDeployConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      ok: false,
      lines: [
        `configuration error${error.source ? ` in ${error.source}` : ""}:`,
        ...error.issues.map((issue) => `  ${formatIssue(issue)}`),
      ],
    };
  }
  setupLogging({ debug: config.debug, format: "json", secrets: configSecrets(config) });
  const portText = env.get("PORT");
  const port = portText !== undefined && /^\d+$/.test(portText)
    ? Number(portText)
    : config.http.port;
  const metrics = new ServiceMetrics();
  let opening: Promise<Opened> | null = null;

  const open = (): Promise<Opened> => {
    if (opening !== null) return opening;
    const attempt: Promise<Opened> = (async () => {
      const runtime = await openRuntime(config, {
        onAttempt: metrics.onAttempt,
        deployment: true,
      });
      let session: ServiceSession | null = null;
      try {
        session = await openServiceSession(runtime, { metrics });
        return { session, app: createOperationsApp(session, { metrics }) };
      } catch (error) {
        await session?.close().catch(() => {});
        await runtime.close().catch(() => {});
        throw error;
      }
    })();
    opening = attempt;
    // A failed start is tried again by the next request or cron run (unless one began since).
    attempt.catch(() => {
      if (opening === attempt) opening = null;
    });
    return attempt;
  };

  const deployment: Deployment = {
    config,
    cron: { name: DEPLOY_CRON_NAME, schedule: deployCronSchedule(config) },
    port,
    hostname: env.get("DENO_DEPLOYMENT_ID") ? undefined : config.http.hostname,
    async tick() {
      const { service } = (await open()).session;
      const results = await service.tick();
      const delivered = await service.deliverPending();
      await service.purgeJournal();
      for (const result of results) {
        log.info("{registration}: {outcome}, {journaled} journaled", { ...result });
      }
      for (const [sink, outcome] of Object.entries(delivered)) {
        if (!outcome.current) log.warn("{sink} is behind: {error}", { sink, error: outcome.error });
      }
      return results;
    },
    async fetch(request) {
      // Liveness answers at once, even while the state and sinks are still opening.
      if (new URL(request.url).pathname === "/healthz") {
        return new Response("ok", {
          headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" },
        });
      }
      let opened: Opened;
      try {
        opened = await open();
      } catch (error) {
        log.error("the service could not start: {error}", { error: String(error) });
        return Response.json({
          error: "unavailable",
          message: "the service could not start; see the deployment's log",
        }, { status: 503, headers: { "cache-control": "no-store" } });
      }
      return await opened.app.fetch(request);
    },
    async close() {
      const current = opening;
      opening = null;
      if (current === null) return;
      const opened = await current.catch(() => null);
      if (opened === null) return;
      await opened.session.close();
      await opened.session.runtime.close();
    },
  };
  return { ok: true, deployment };
}
