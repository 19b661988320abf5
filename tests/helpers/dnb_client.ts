import type { DnbApiConfig } from "../../src/config/config.ts";
import { Secret } from "../../src/model/secret.ts";
import { createDnbClient, type DnbClient, type DnbClientOptions } from "../../src/dnb/client.ts";
import { type RunningSimulator, startSimulator } from "../../src/sim/server.ts";
import type { SimulatorOptions } from "../../src/sim/state.ts";
import { adminJson } from "./sim_admin.ts";

export const SIM_CLIENT_ID = "test-client";
export const SIM_CLIENT_SECRET = "s3cr3t-7f1d9c-never-print";

export function testDnbConfig(overrides: Partial<DnbApiConfig> = {}): DnbApiConfig {
  return {
    base_url: "http://127.0.0.1:9",
    client_id: SIM_CLIENT_ID,
    client_secret: new Secret(SIM_CLIENT_SECRET),
    rate_limit: 1000,
    token_version: "v3",
    token_refresh_buffer: 300,
    timeout: 5,
    max_retries: 3,
    retry_base_delay: 0.01,
    retry_max_delay: 0.05,
    circuit_breaker: { failure_threshold: 5, reset_timeout: 30 },
    subject_paths: "subjects",
    replay_max_notifications: 100,
    retry_after_max: 900,
    max_response_bytes: 8 * 1024 * 1024,
    ...overrides,
  };
}

export interface SimulatorHarness {
  sim: RunningSimulator;
  kv: Deno.Kv;
  client(overrides?: Partial<DnbApiConfig>, options?: Partial<DnbClientOptions>): DnbClient;
  /** A call to the admin API (`path` starts with `/_sim`), with the simulator's admin token. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  counters(): Promise<SimCounters>;
}

export interface SimCounters {
  requests: number;
  served: number;
  pulled: number;
  replayed: number;
  rateLimited: number;
  tokensIssued: number;
  errorsInjected: number;
  hangsInjected: number;
}

/** A simulator on a free loopback port and a KV file of its own, both closed afterwards. */
export async function withSimulator(
  options: SimulatorOptions,
  work: (harness: SimulatorHarness) => Promise<void>,
): Promise<void> {
  const sim = await startSimulator({
    clientId: SIM_CLIENT_ID,
    clientSecret: SIM_CLIENT_SECRET,
    rateLimit: 0,
    ...options,
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-test-" });
  const kv = await Deno.openKv(`${dir}/state.kv`);
  const harness: SimulatorHarness = {
    sim,
    kv,
    client: (overrides, clientOptions) =>
      createDnbClient(testDnbConfig(overrides), { kv, baseUrl: sim.url, ...clientOptions }),
    admin: <T>(method: string, path: string, body?: unknown) =>
      adminJson<T>(sim, path, { method, body }),
    counters: () => harness.admin<SimCounters>("GET", "/_sim/counters"),
  };
  try {
    await work(harness);
  } finally {
    kv.close();
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}
