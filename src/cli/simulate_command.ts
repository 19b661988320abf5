import type { Command } from "commander";
import { AdminTokenError, checkedAdminToken } from "../sim/admin_token.ts";
import { startSimulator } from "../sim/server.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

/** Where `simulate` takes its admin token from when `--admin-token` is not given. */
export const SIM_ADMIN_TOKEN_ENV = "TRACEONE_SIM_ADMIN_TOKEN";

export interface SimulateCommandDeps {
  io: CliIo;
  stopRequested(): Promise<void>;
}

export function registerSimulateCommand(program: Command, deps: SimulateCommandDeps): void {
  program.command("simulate")
    .description("run the D&B Direct+ simulator alone (for demos and tests)")
    .option("--port <n>", "port (0 = any free port)", "8181")
    .option("--hostname <host>", "interface to listen on", "127.0.0.1")
    .option("--rate-limit <rps>", "the simulator's own 429 threshold, requests per second", "5")
    .option("--registration <ref>", "create a demo registration (repeatable)", collect, [])
    .option("--notifications-per-minute <n>", "generated notifications per registration", "6")
    .option(
      "--max-notifications <n>",
      "the most one pull or replay returns (D&B: 100; more lets a client page faster)",
      "100",
    )
    .option("--client-id <id>", "accepted client id", "simulator")
    .option("--client-secret <secret>", "accepted client secret", "simulator-secret")
    .option(
      "--admin-token <token>",
      `what the admin API (/_sim) requires as a bearer token (default: $${SIM_ADMIN_TOKEN_ENV} ` +
        "if set and readable, else a random one per run)",
    )
    .action(async (options: SimulateOptions) => {
      const port = integer(options.port, "--port");
      const maxNotificationsLimit = Number(options.maxNotifications);
      if (!Number.isInteger(maxNotificationsLimit) || maxNotificationsLimit < 1) {
        throw new UsageError(
          `--max-notifications: expected a whole number ≥ 1, got "${options.maxNotifications}"`,
        );
      }
      const adminToken = chosenAdminToken(options, deps.io);
      const simulator = await startSimulator({
        adminToken,
        hostname: options.hostname,
        port,
        rateLimit: Number(options.rateLimit),
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        notificationsPerMinute: Number(options.notificationsPerMinute),
        maxNotificationsLimit,
        registrations: (options.registration.length ? options.registration : ["TRACEONE_DEMO"])
          .map((reference, i) => ({ reference, duns: demoDuns(i) })),
      });
      deps.io.out(`D&B Direct+ simulator at ${simulator.url}`);
      deps.io.out(`credentials: client id "${options.clientId}" and the --client-secret value`);
      deps.io.out(`admin token: ${simulator.adminToken}`);
      deps.io.out(
        `admin API: curl -H "Authorization: Bearer <admin token>" ${simulator.url}/_sim/counters ` +
          "(also /_sim/faults, /_sim/registrations/REF)",
      );
      try {
        await deps.stopRequested();
      } finally {
        await simulator.shutdown();
      }
    });
}

interface SimulateOptions {
  port: string;
  hostname: string;
  rateLimit: string;
  registration: string[];
  notificationsPerMinute: string;
  maxNotifications: string;
  clientId: string;
  clientSecret: string;
  adminToken?: string;
}

/** The option, else the environment variable, else undefined: the simulator draws one. */
function chosenAdminToken(options: SimulateOptions, io: CliIo): string | undefined {
  const [source, token] = options.adminToken !== undefined
    ? ["--admin-token", options.adminToken]
    : [SIM_ADMIN_TOKEN_ENV, adminTokenFromEnv(io)];
  if (token === undefined) return undefined;
  try {
    return checkedAdminToken(token);
  } catch (error) {
    if (error instanceof AdminTokenError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
}

/** Unset, empty or not readable (no --allow-env for it) all mean: no token from there. */
function adminTokenFromEnv(io: CliIo): string | undefined {
  try {
    const permission = Deno.permissions.querySync({ name: "env", variable: SIM_ADMIN_TOKEN_ENV });
    if (permission.state !== "granted") return undefined;
    return io.env(SIM_ADMIN_TOKEN_ENV) || undefined;
  } catch {
    return undefined;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function integer(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new UsageError(`${option}: expected a port number 0–65535, got "${text}"`);
  }
  return value;
}

function demoDuns(index: number): string[] {
  return Array.from(
    { length: 5 },
    (_, i) => String(60_000_000 + index * 100 + i * 7).padStart(9, "0"),
  );
}
