import { dirname, join } from "node:path";
import type { Config } from "../config/config.ts";
import { sealedTokens } from "../dnb/token_seal.ts";
import { createDnbClient, type DnbClient } from "../dnb/client.ts";
import type { AttemptObservation } from "../dnb/transport.ts";
import { type RunningSimulator, startSimulator } from "../sim/server.ts";
import {
  readAdminTokenFile,
  removeAdminTokenFile,
  writeAdminTokenFile,
} from "../sim/admin_token_file.ts";
import { kvLocation } from "../config/kv_location.ts";
import { openStateKv } from "./state_kv.ts";

/** What a command needs at run time, opened from the configuration, and how to close it. */
export interface Runtime {
  config: Config;
  kv: Deno.Kv;
  client: DnbClient;
  /** The D&B base URL in use. */
  dnbUrl: string;
  /** How the simulator is reached: started here, found running, or not at all. */
  simulator: "in_process" | "shared" | null;
  close(): Promise<void>;
}

/**
 * Where a simulator started here on a fixed port leaves its admin token, beside the KV file: the
 * same owner-only folder, and the same state a CLI command of this configuration opens.
 */
export function simulatorAdminTokenPath(config: Config): string | null {
  const location = kvLocation(config.state.kv_path);
  // A remote or in-memory state has no folder of this machine to share it through.
  if (location.kind !== "file") return null;
  return join(dirname(location.path), "simulator_admin.token");
}

/**
 * Opens KV and the Direct+ client. With `simulator.enabled`, starts the simulator in-process,
 * unless one already answers on the configured fixed port (a running `start`) to the admin token
 * in the token file, which is then shared so that CLI commands see the same registrations as the
 * service.
 */
export async function openRuntime(
  config: Config,
  options: {
    onAttempt?: (observation: AttemptObservation) => void;
    /** Under deploy.ts: an empty `state.kv_path` opens the deployment's own KV. */
    deployment?: boolean;
  } = {},
): Promise<Runtime> {
  const kv = await openStateKv(config, { deployment: options.deployment });
  let simulator: RunningSimulator | null = null;
  let tokenFile: string | null = null;
  let dnbUrl = config.dnb_api.base_url;
  let mode: Runtime["simulator"] = null;
  try {
    if (config.simulator.enabled) {
      const shared = await findRunningSimulator(config);
      if (shared) {
        dnbUrl = shared;
        mode = "shared";
      } else {
        simulator = await startSimulator({
          hostname: config.simulator.hostname,
          port: config.simulator.port,
          clientId: config.dnb_api.client_id,
          clientSecret: config.dnb_api.client_secret.reveal(),
          rateLimit: config.simulator.rate_limit,
          registrations: config.simulator.registrations,
          notificationsPerMinute: config.simulator.notifications_per_minute,
        });
        dnbUrl = simulator.url;
        mode = "in_process";
        tokenFile = config.simulator.port === 0 ? null : simulatorAdminTokenPath(config);
        if (tokenFile !== null) await writeAdminTokenFile(tokenFile, simulator.adminToken);
        for (const registration of simulator.state.registrations.values()) {
          // A backlog waiting to be pulled, as a real queue would have after a quiet while.
          simulator.state.generate(registration, { count: config.simulator.initial_backlog });
        }
      }
    }
  } catch (error) {
    await simulator?.shutdown();
    if (tokenFile !== null && simulator !== null) {
      await removeAdminTokenFile(tokenFile, simulator.adminToken).catch(() => {});
    }
    kv.close();
    throw error;
  }
  const tokenSeal = config.state.token_key ? await sealedTokens(config.state.token_key) : undefined;
  const client = createDnbClient(config.dnb_api, {
    tokenSeal,
    kv,
    baseUrl: dnbUrl,
    onAttempt: options.onAttempt,
  });
  return {
    config,
    kv,
    client,
    dnbUrl,
    simulator: mode,
    close: async () => {
      try {
        // First, so that no command starting now finds a simulator about to stop.
        if (tokenFile !== null && simulator !== null) {
          await removeAdminTokenFile(tokenFile, simulator.adminToken);
        }
      } finally {
        try {
          await simulator?.shutdown();
        } finally {
          kv.close();
        }
      }
    },
  };
}

/**
 * The URL of the simulator a running `start` of this configuration serves, or null. It counts
 * only when it accepts the token that run wrote: another program on the port is not shared.
 */
async function findRunningSimulator(config: Config): Promise<string | null> {
  const tokenFile = simulatorAdminTokenPath(config);
  if (config.simulator.port === 0 || tokenFile === null) return null;
  const token = await readAdminTokenFile(tokenFile);
  if (token === null) return null;
  const host = config.simulator.hostname.includes(":")
    ? `[${config.simulator.hostname}]`
    : config.simulator.hostname;
  const url = `http://${host}:${config.simulator.port}`;
  try {
    const response = await fetch(`${url}/_sim/counters`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(500),
    });
    await response.body?.cancel();
    return response.status === 200 ? url : null;
  } catch {
    return null;
  }
}
