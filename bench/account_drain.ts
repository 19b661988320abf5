/**
 * How fast the paced drain goes against a simulator that behaves like Direct+: stamps at
 * delivery, replay of at most 100 per response, a strict sliding-window rate limit. Pulls are
 * paced to one page per registration per D&B second (design.md invariant 5), so:
 *
 * - `account`: many registrations share the account's rate; the aim is ≥ 90 % of
 *   min(one page per registration per second, the rate limit).
 * - `single`: one registration with rate to spare; the aim is ≥ 90 % of one page a second.
 * - `recovery`: what one lost answer costs, per kind, over a drain without losses (every fourth
 *   pull's answer lost, so the clock estimate is the steady one).
 *
 *   deno run -A bench/account_drain.ts [--mode account|single|recovery|all]
 *       [--registrations 30] [--rate 5] [--seconds 20]
 *
 * The service runs in this process with its sinks off (journal only: what is measured is the
 * pull path); the simulator runs in this process too. Bounded: each run drains a backlog sized
 * for `--seconds` and stops, with a hard deadline of four times that.
 */
import { parseArgs } from "node:util";
import { parseConfig } from "../src/config/load.ts";
import { createDnbClient } from "../src/dnb/client.ts";
import { MonitoringService } from "../src/pipeline/service.ts";
import type { LossKind } from "../src/sim/faults.ts";
import { startSimulator } from "../src/sim/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mode: { type: "string", default: "all" },
    registrations: { type: "string", default: "30" },
    rate: { type: "string", default: "5" },
    seconds: { type: "string", default: "20" },
  },
});
const PAGE = 99;
const seconds = Number(values.seconds);

interface DrainResult {
  registrations: number;
  rateLimit: number;
  seconds: number;
  pulls: number;
  notifications: number;
  pagesPerSecond: number;
  notificationsPerSecond: number;
  /** min(registrations pages/s, rate limit): the most the rules allow. */
  ceilingPagesPerSecond: number;
  ofCeiling: string;
  rateLimited: number;
  lost: number;
}

async function drain(options: {
  registrations: number;
  rateLimit: number;
  pagesEach: number;
  /** Answers lost after dequeue: every `1/rate`-th pull, past the first few. */
  loss?: { kind: LossKind; rate: number };
  timeout?: number;
}): Promise<DrainResult> {
  const refs = Array.from({ length: options.registrations }, (_, i) => `BENCH_${i}`);
  const sim = await startSimulator({
    clientId: "bench",
    clientSecret: "bench-secret",
    rateLimit: options.rateLimit,
    registrations: refs.map((reference) => ({ reference, duns: ["081466849", "268909075"] })),
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-bench-" });
  const kv = await Deno.openKv(`${dir}/state.kv`);
  try {
    for (const reference of refs) {
      sim.state.generate(sim.state.registrations.get(reference)!, {
        count: options.pagesEach * PAGE,
      });
    }
    if (options.loss) {
      await fetch(`${sim.url}/_sim/faults`, {
        method: "PUT",
        headers: { authorization: `Bearer ${sim.adminToken}` },
        body: JSON.stringify({
          lostAfterDequeue: { rate: options.loss.rate, kinds: [options.loss.kind] },
        }),
      }).then((r) => r.body?.cancel());
    }
    const config = parseConfig(
      [
        "environment: test",
        "dnb_api:",
        `  base_url: "${sim.url}"`,
        "  client_id: bench",
        "  client_secret: bench-secret",
        `  rate_limit: ${options.rateLimit}`,
        `  timeout: ${options.timeout ?? 5}`,
        "monitoring:",
        "  polling_interval: 3600",
        `  max_pulls_per_tick: 100`,
        `  registrations: [${refs.map((r) => `"${r}"`).join(", ")}]`,
        "local_storage:",
        "  enabled: false",
        "database:",
        "  enabled: false",
        "http:",
        "  enabled: false",
        "state:",
        `  kv_path: "${dir}/state.kv"`,
      ].join("\n"),
      { source: null, env: () => undefined, cwd: dir, home: null },
    );
    const client = createDnbClient(config.dnb_api, { kv });
    await client.tokens.token();
    const service = await MonitoringService.create({
      config,
      kv,
      client,
      sinks: [],
      simulator: true,
      version: "bench",
      useDenoCron: false,
    });
    const total = refs.length * options.pagesEach * PAGE;
    // Let the rate limit's window empty after the token call, so the run starts from rest.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = sim.state.counters.served;
    const started = performance.now();
    await service.start();
    const deadline = started + seconds * 4_000 + 60_000;
    for (;;) {
      const { journal } = await service.status();
      if (journal.notifications >= total) break;
      if (performance.now() > deadline) throw new Error(`drain not done: ${journal.notifications}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const elapsed = (performance.now() - started) / 1000;
    const pulls = sim.state.counters.served - before;
    await service.shutdown();
    const ceiling = Math.min(refs.length, options.rateLimit);
    const pagesPerSecond = (total / PAGE) / elapsed;
    return {
      registrations: refs.length,
      rateLimit: options.rateLimit,
      seconds: Number(elapsed.toFixed(2)),
      pulls,
      notifications: total,
      pagesPerSecond: Number(pagesPerSecond.toFixed(2)),
      notificationsPerSecond: Math.round(total / elapsed),
      ceilingPagesPerSecond: ceiling,
      ofCeiling: `${Math.round((100 * pagesPerSecond) / ceiling)} %`,
      rateLimited: sim.state.counters.rateLimited,
      lost: Object.values(sim.state.counters.lostAfterDequeue).reduce((a, b) => a + b, 0),
    };
  } finally {
    kv.close();
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const mode = values.mode;
if (mode === "account" || mode === "all") {
  const registrations = Number(values.registrations);
  const rate = Number(values.rate);
  const pagesEach = Math.max(
    1,
    Math.round((seconds * Math.min(rate, registrations)) / registrations),
  );
  console.log(JSON.stringify({
    run: "account",
    ...(await drain({ registrations, rateLimit: rate, pagesEach })),
  }));
}
if (mode === "single" || mode === "all") {
  console.log(JSON.stringify({
    run: "single",
    ...(await drain({ registrations: 1, rateLimit: 50, pagesEach: seconds })),
  }));
}
if (mode === "recovery" || mode === "all") {
  const pagesEach = 10;
  const base = await drain({ registrations: 1, rateLimit: 50, pagesEach, timeout: 1 });
  const costs: Record<string, number> = {};
  for (const kind of ["reset", "hang", "error", "truncate"] as const) {
    const lossy = await drain({
      registrations: 1,
      rateLimit: 50,
      pagesEach,
      loss: { kind, rate: 0.25 },
      timeout: 1,
    });
    costs[kind] = Number(((lossy.seconds - base.seconds) / lossy.lost).toFixed(2));
  }
  console.log(JSON.stringify({
    run: "recovery",
    timeout_seconds: 1,
    baseline_seconds: base.seconds,
    seconds_per_lost_answer: costs,
  }));
}
