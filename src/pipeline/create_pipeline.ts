import type { Config } from "../config/config.ts";
import type { DnbClient } from "../dnb/client.ts";
import { logger } from "../log.ts";
import type { Clock } from "./clock.ts";
import { DeadLetters } from "./dead_letters.ts";
import { Dispatcher } from "./dispatch.ts";
import { ServiceHistory } from "./history.ts";
import { Journal } from "./journal.ts";
import { Leases } from "./lease.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { Monitor } from "./monitor.ts";
import { pullPlan } from "./pacing.ts";

/** What the pipeline is built from. */
export interface PipelineDeps {
  config: Config;
  kv: Deno.Kv;
  client: DnbClient;
  clock: Clock;
  metrics: ServiceMetrics;
  /** Unique per process; names this instance's leases. */
  instanceId?: string;
  /** The references monitored now, for the metrics' zero samples. */
  registrations: () => string[];
}

/** The pipeline's parts, wired to each other; the service facade drives them. */
export interface Pipeline {
  journal: Journal;
  deadLetters: DeadLetters;
  dispatcher: Dispatcher;
  monitor: Monitor;
  history: ServiceHistory;
  metrics: ServiceMetrics;
}

const log = logger("service");

/**
 * The wiring, apart from the facade: journal, dead letters, the dispatcher with its metrics and
 * logs, the monitor that journals and wakes the dispatcher, the dashboard's history and the
 * metrics' scrape-time sources.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { kv, config, clock, metrics } = deps;
  const journal = new Journal(kv);
  const deadLetters = new DeadLetters(kv);
  const dispatcher: Dispatcher = new Dispatcher({
    kv,
    journal,
    deadLetters,
    config: config.pipeline,
    clock,
    onDelivered: (event) => {
      metrics.onDelivered(event);
      log.debug(
        "{sink} stored batch {sequence} of {registration}: {notifications} notifications",
        { ...event },
      );
    },
    onFailed: (event) => {
      metrics.onFailed(event);
      log.warn("{sink} failed batch {sequence} of {registration} ({failures}×): {error}", {
        sink: event.sink,
        sequence: event.sequence,
        registration: event.registration,
        failures: event.failures,
        error: event.error instanceof Error ? event.error.message : String(event.error),
      });
    },
  });
  const monitor = new Monitor({
    kv,
    client: deps.client,
    journal,
    leases: new Leases(kv, {
      owner: deps.instanceId ?? crypto.randomUUID(),
      ttlMs: config.pipeline.lease_ttl * 1000,
      now: () => clock.now(),
    }),
    plan: pullPlan({
      maxNotifications: config.monitoring.max_notifications,
      replayMax: config.dnb_api.replay_max_notifications,
    }),
    maxPullsPerTick: config.monitoring.max_pulls_per_tick,
    batchSize: config.monitoring.notification_batch_size,
    answerTimeoutMs: config.dnb_api.timeout * 1000,
    leaseTtlMs: config.pipeline.lease_ttl * 1000,
    clock,
    onBatch: () => dispatcher.notify(),
  });
  const client = deps.client;
  const history = new ServiceHistory({
    now: () => clock.now(),
    api: () => {
      const transport = client.transport.stats();
      return {
        requests: transport.attempts,
        rateLimited: transport.rateLimited,
        errors: Object.entries(transport.byOutcome)
          .filter(([outcome]) => !/^[23]\d\d$/.test(outcome) && outcome !== "404")
          .reduce((n, [, count]) => n + count, 0),
      };
    },
    sinks: async () =>
      (await dispatcher.status()).map((sink) => ({
        name: sink.name,
        lagBatches: sink.lagBatches,
        errors: sink.health.errors,
      })),
  });
  metrics.attach({
    dnbBreaker: () => client.status().breaker.state,
    tokenRefreshes: () => client.tokens.status().refreshes,
    sinks: async () =>
      (await dispatcher.status()).map((sink) => ({
        name: sink.name,
        lagBatches: sink.lagBatches,
        lagSeconds: sink.lagSeconds,
        breaker: sink.breaker.state,
      })),
    journal: () => journal.stats(),
    deadLetters: () => deadLetters.countBySink(),
    registrations: deps.registrations,
  });
  return { journal, deadLetters, dispatcher, monitor, history, metrics };
}
