import type { Command } from "commander";
import type { Config } from "../config/config.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import { STATUS_SECTIONS, type StatusJson } from "../pipeline/mod.ts";
import { describeOutcome } from "./pipeline_commands.ts";

export interface StatusCommandDeps {
  io: CliIo;
  loadConfig(command: Command): Promise<Config>;
}

/** `status`: the /status of a running instance, for a person. */
export function registerStatusCommand(program: Command, deps: StatusCommandDeps): void {
  program.command("status")
    .description("show the status of a running instance (its /status endpoint)")
    .option("--url <url>", "the instance's base URL (default: from the configuration's http)")
    .option("--json", "print the raw JSON")
    .action(async (options: { url?: string; json?: boolean }, command: Command) => {
      const { io } = deps;
      let base = options.url;
      let token = io.env("TRACEONE_HTTP_TOKEN") ?? null;
      if (!base || token === null) {
        const config = await deps.loadConfig(command);
        base ??= `http://${localAddress(config.http.hostname)}:${config.http.port}`;
        token ??= config.http.auth_token?.reveal() ?? null;
      }
      const url = new URL("/status", base);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        throw new Error(
          `no answer from ${url.origin} (${(error as Error).message}); is the service running?`,
        );
      }
      if (response.status === 401) {
        await response.body?.cancel();
        throw new UsageError(
          `${url.origin} wants a token: set http.auth_token in the configuration or TRACEONE_HTTP_TOKEN`,
        );
      }
      if (response.status === 421) {
        const body = await response.json().catch(() => ({}));
        throw new UsageError(
          `${url.origin} refused the host name: ${body.message ?? "see http.allowed_hosts"}`,
        );
      }
      if (!response.ok) {
        throw new Error(`${url.href} answered ${response.status}: ${await response.text()}`);
      }
      const status = await response.json();
      if (options.json) io.out(JSON.stringify(status, null, 2));
      else for (const line of formatStatus(status)) io.out(line);
    });
}

/**
 * Where to reach a listener on this machine. A wildcard address is asked on loopback: its
 * Host then passes the DNS-rebinding check without a token (`http.allowed_hosts`).
 */
function localAddress(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/**
 * The status as a person reads it: one line per part, problems spelled out. It reads `/status`
 * of another process, which may be older or newer than this one, so every key is optional.
 */
export function formatStatus(status: Partial<StatusJson> & Json): string[] {
  const lines: string[] = [];
  const service = status.service ?? {};
  lines.push(
    `TraceOne Monitor ${service.version} (${service.environment})` +
      `${service.simulator ? " — SIMULATOR" : ""}, up ${duration(service.uptime_seconds ?? 0)}`,
  );
  const auth = status.authentication ?? {};
  lines.push(
    `D&B: ${auth.is_authenticated ? "authenticated" : "NOT authenticated"}, ` +
      `breaker ${status.api_client?.breaker}, ${status.api_client?.requests} requests, ` +
      `${status.api_client?.rate_limited} rate-limited, ${status.api_client?.errors} errors` +
      (auth.last_error ? ` — ${auth.last_error}` : ""),
  );
  for (const registration of status.registrations?.items ?? []) {
    const failing = registration.failing_since
      ? ` — FAILING since ${registration.failing_since} (${registration.failed_ticks} tick(s))`
      : "";
    lines.push(
      `registration ${registration.reference}: last tick ${registration.last_tick ?? "never"}` +
        ` (${registration.last_outcome ? describeOutcome(registration.last_outcome) : "-"}, ` +
        `${registration.last_pull_count ?? 0} pulled)${failing}` +
        (registration.last_error ? ` — ${registration.last_error}` : "") +
        (registration.replay_gap ? ` — GAP: ${registration.replay_gap.message}` : ""),
    );
  }
  const reserved = new Set(STATUS_SECTIONS);
  for (const [name, sink] of Object.entries<Json>(status)) {
    if (reserved.has(name)) continue;
    lines.push(
      `${name}: ${sink.status}, ${sink.stored} stored, behind ${sink.lag_batches} batch(es) / ` +
        `${sink.lag_seconds} s, breaker ${sink.breaker}` +
        (sink.last_error ? ` — last error: ${sink.last_error}` : ""),
    );
  }
  const journal = status.journal ?? {};
  lines.push(
    `journal: ${journal.notifications} notifications in ${journal.batches} batches` +
      (journal.oldest_undelivered_at
        ? `, oldest undelivered ${journal.oldest_undelivered_at}`
        : ""),
  );
  const dead = Object.entries(status.dead_letters ?? {});
  lines.push(
    `dead letters: ${dead.length === 0 ? "none" : dead.map(([k, v]) => `${k} ${v}`).join(", ")}`,
  );
  return lines;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
