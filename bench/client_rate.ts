/**
 * Measures the Direct+ client against the simulator over real HTTP: requests per second
 * achieved versus the configured limit, and 429s seen. The simulator enforces the same limit
 * as the client is configured with, as D&B would.
 *
 *   deno run -A bench/client_rate.ts [--rate 5] [--seconds 10] [--workers 8]
 *
 * Bounded: each run sends rate × seconds requests and stops.
 */
import { parseArgs } from "node:util";
import { Secret } from "../src/model/secret.ts";
import { createDnbClient } from "../src/dnb/client.ts";
import { startSimulator } from "../src/sim/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "5" },
    seconds: { type: "string", default: "10" },
    workers: { type: "string", default: "8" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const total = Math.round(rate * seconds);

const sim = await startSimulator({
  clientId: "bench",
  clientSecret: "bench-secret",
  rateLimit: rate,
  registrations: [{ reference: "BENCH", duns: ["081466849"] }],
});
const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/bench.kv`);
try {
  const client = createDnbClient({
    base_url: sim.url,
    client_id: "bench",
    client_secret: new Secret("bench-secret"),
    rate_limit: rate,
    token_version: "v3",
    token_refresh_buffer: 300,
    timeout: 10,
    max_retries: 5,
    retry_base_delay: 0.5,
    retry_max_delay: 5,
    circuit_breaker: { failure_threshold: 5, reset_timeout: 30 },
    subject_paths: "subjects",
    replay_max_notifications: 100,
    retry_after_max: 900,
    max_response_bytes: 8 * 1024 * 1024,
  }, { kv });
  await client.tokens.token();
  // Let the simulator's bucket refill after the token call, so the run starts from rest.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  let sent = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (sent < total) {
      sent++;
      await client.registrations.list();
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const counters = await (await fetch(`${sim.url}/_sim/counters`, {
    headers: { authorization: `Bearer ${sim.adminToken}` },
  })).json();
  const achieved = total / elapsed;
  // The first request leaves at once, so n requests span (n - 1) intervals.
  const paced = (total - 1) / elapsed;
  console.log(JSON.stringify({
    limit: rate,
    requests: total,
    seconds: Number(elapsed.toFixed(2)),
    achieved_rps: Number(achieved.toFixed(2)),
    paced_rps: Number(paced.toFixed(2)),
    percent_of_limit: Number((100 * paced / rate).toFixed(1)),
    simulator_429s: counters.rateLimited,
    client_retries: client.transport.stats().retries,
  }));
} finally {
  kv.close();
  await sim.shutdown();
  await Deno.remove(dir, { recursive: true });
}
