import type { Config } from "../config/config.ts";
import type { DnbClient } from "../dnb/client.ts";
import { checkNotification } from "../dnb/notification_page.ts";
import type { Notification } from "../model/payload.ts";
import type { Information, RegistrationSpec } from "../dnb/registrations_api.ts";
import { logger } from "../log.ts";
import type { JournaledNotification, Sink } from "../sinks/sink.ts";
import { type Clock, systemClock } from "./clock.ts";
import { createPipeline } from "./create_pipeline.ts";
import { logTick, mergeTicks } from "./tick_report.ts";
import {
  type DeadLetter,
  type DeadLetters,
  type DeadLetterSummary,
  VALIDATION,
} from "./dead_letters.ts";
import { retryDeadLetter, type RetryOutcome } from "./dead_letter_retry.ts";
import type { Dispatcher, SinkStatus, StartAt } from "./dispatch.ts";
import type { HealthThresholds, PipelineStatus, Readiness, SinkState } from "../model/status.ts";
import { readinessOf, type StatusJson, statusJson } from "./status.ts";
import { HANDLER_PREFIX, handlerSink, type NotificationHandler } from "./handler_sink.ts";
import type { Journal } from "./journal.ts";
import type { ApiPoint, ServiceHistory, SinkPoint } from "./history.ts";
import { ServiceMetrics } from "./metrics.ts";
import type { Monitor, RecoveryResult, TickResult } from "./monitor.ts";
import {
  listChanges,
  markRegistrationsChanged,
  registrationsChangedAt,
} from "./registration_list.ts";
import { cronJobName, type ScheduleHandle, startSchedule } from "./schedule.ts";
import { maskKnownSecrets } from "../model/secret.ts";
import { latestAudit } from "./audit_log.ts";
import { UnreadableLine } from "./unreadable_line.ts";

/** Audit entries `/status` and the dashboard show. */
const SUBJECT_CHANGES_SHOWN = 20;

export interface ServiceOptions {
  config: Config;
  kv: Deno.Kv;
  client: DnbClient;
  /** The configured destinations, already open; the service closes them on shutdown. */
  sinks: Sink[];
  /** True when the D&B API in use is the simulator (shown in status). */
  simulator: boolean;
  version: string;
  clock?: Clock;
  /** Unique per process; names this instance's leases. */
  instanceId?: string;
  /** Deno.cron for schedules; false for a timer (tests). */
  useDenoCron?: boolean;
  /** Prometheus metrics; the D&B client's `onAttempt` should feed the same instance. */
  metrics?: ServiceMetrics;
  /** Seconds between the dashboard's history samples. */
  historyIntervalSeconds?: number;
}

export interface ProcessResult {
  /** The last batch journaled, or null when nothing new was. */
  sequence: number | null;
  /** Every batch journaled: more than one when there were more than a batch holds. */
  sequences: number[];
  journaled: number;
  duplicates: number;
  deadLettered: number;
}

const log = logger("service");
/** How often the service looks for word that registrations changed. */
const REGISTRATION_CHECK_MS = 2_000;

/**
 * The monitoring service, with the names users of the original Python service know. Pulling
 * journals; the dispatcher delivers from the journal to every sink; the schedule ticks every
 * monitored registration.
 */
export class MonitoringService {
  readonly #journal: Journal;
  readonly deadLetters: DeadLetters;
  readonly #monitor: Monitor;
  readonly #dispatcher: Dispatcher;
  readonly #metrics: ServiceMetrics;
  readonly #history: ServiceHistory;
  readonly #options: ServiceOptions;
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #background = new Map<
    string,
    { controller: AbortController; schedule: ScheduleHandle }
  >();
  readonly #activeTicks = new Set<Promise<unknown>>();
  #registrations: string[] | null = null;
  /** When the account's registration list was last read, and why it last could not be. */
  #listedAt: number | null = null;
  #listError: string | null = null;
  /** Per registration: failed ticks in a row, and since when. */
  readonly #tickHealth = new Map<string, { failingSince: string | null; failedTicks: number }>();
  #running = false;
  #historyTimer: ReturnType<typeof setInterval> | null = null;
  #registrationTimer: ReturnType<typeof setInterval> | null = null;
  #syncing = false;

  private constructor(options: ServiceOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
    const pipeline = createPipeline({
      config: options.config,
      kv: options.kv,
      client: options.client,
      clock: this.#clock,
      metrics: options.metrics ?? new ServiceMetrics(),
      instanceId: options.instanceId,
      registrations: () => this.#registrations ?? [],
    });
    this.#metrics = pipeline.metrics;
    this.#journal = pipeline.journal;
    this.deadLetters = pipeline.deadLetters;
    this.#dispatcher = pipeline.dispatcher;
    this.#monitor = pipeline.monitor;
    this.#history = pipeline.history;
  }

  static async create(options: ServiceOptions): Promise<MonitoringService> {
    const service = new MonitoringService(options);
    for (const sink of options.sinks) {
      await service.#dispatcher.addSink(sink, { startAt: sink.startAt ?? "beginning" });
    }
    return service;
  }

  /** The references to monitor: `monitoring.registrations`, or all that the account lists. */
  async registrations(options: { refresh?: boolean } = {}): Promise<string[]> {
    if (this.#registrations && !options.refresh) return this.#registrations;
    const configured = this.#options.config.monitoring.registrations;
    if (configured.length > 0) {
      this.#registrations = [...configured];
      return this.#registrations;
    }
    try {
      this.#registrations = await this.#options.client.registrations.list();
      this.#listedAt = this.#clock.now();
      this.#listError = null;
    } catch (error) {
      this.#listError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    return this.#registrations;
  }

  /**
   * Re-reads the account's list and starts or stops background monitoring to match, without a
   * restart. Nothing to do when `monitoring.registrations` names them.
   */
  async syncRegistrations(): Promise<{ added: string[]; removed: string[] }> {
    if (this.#options.config.monitoring.registrations.length > 0) return { added: [], removed: [] };
    const before = this.#registrations ?? [];
    let after: string[];
    try {
      after = await this.registrations({ refresh: true });
    } catch (error) {
      log.warn("could not re-read the account's registrations: {error}", {
        error: error instanceof Error ? error.message : String(error),
      });
      return { added: [], removed: [] };
    }
    const changes = listChanges(before, after);
    for (const reference of changes.removed) {
      this.stopBackgroundMonitoring(reference);
      log.info("{registration} is no longer listed by the account: not monitored any more", {
        registration: reference,
      });
    }
    for (const reference of changes.added) {
      log.info("{registration} is new in the account's list", { registration: reference });
      this.startBackgroundMonitoring(reference);
    }
    return changes;
  }

  /**
   * Drains one registration, or every monitored one in turn, to the end: a tick that reaches
   * `max_pulls_per_tick` is followed at once by the next. One merged result per registration.
   */
  async tick(
    registration?: string,
    options: { onProgress?: (sofar: TickResult) => void } = {},
  ): Promise<TickResult[]> {
    const references = registration ? [registration] : await this.registrations();
    const results: TickResult[] = [];
    for (const reference of references) {
      results.push(await this.#drain(reference, { onProgress: options.onProgress }));
    }
    return results;
  }

  /** Ticks until the registration is drained (or stopped); `onProgress` after each capped tick. */
  async #drain(
    registration: string,
    options: { signal?: AbortSignal; onProgress?: (sofar: TickResult) => void } = {},
  ): Promise<TickResult> {
    let merged: TickResult | null = null;
    for (;;) {
      const result = await this.#monitor.tick(registration, { signal: options.signal });
      this.#recordTick(result);
      merged = merged ? mergeTicks(merged, result) : result;
      if (result.outcome !== "cap" || options.signal?.aborted) return merged;
      options.onProgress?.(merged);
    }
  }

  /** Starts delivering and monitors every registration on the configured schedule. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#dispatcher.start();
    const intervalMs = (this.#options.historyIntervalSeconds ?? 30) * 1000;
    void this.#history.sample();
    this.#historyTimer = setInterval(() => void this.#history.sample().catch(() => {}), intervalMs);
    const references = await this.registrations();
    for (const reference of references) this.startBackgroundMonitoring(reference);
    if (this.#options.config.monitoring.registrations.length === 0) {
      await this.#watchRegistrations();
    }
  }

  /**
   * Looks at the account's list every polling interval, and within seconds after a command on
   * the same state said it changed (`markRegistrationsChanged`).
   */
  async #watchRegistrations(): Promise<void> {
    const { kv, config } = this.#options;
    const everyMs = config.monitoring.polling_interval * 1000;
    // Word left before this start is already in the list just read.
    let seen = await registrationsChangedAt(kv);
    this.#registrationTimer = setInterval(async () => {
      if (this.#syncing) return;
      this.#syncing = true;
      try {
        const changedAt = await registrationsChangedAt(kv);
        const marked = changedAt !== seen;
        seen = changedAt;
        const due = this.#listedAt === null || this.#clock.now() - this.#listedAt >= everyMs;
        if (marked || due) await this.syncRegistrations();
      } catch (error) {
        log.warn("registration watch failed: {error}", { error: String(error) });
      } finally {
        this.#syncing = false;
      }
    }, REGISTRATION_CHECK_MS);
  }

  /**
   * Monitors one registration in the background: a tick now, then on the schedule. `handler`,
   * when given, is added as a notification handler (a sink of its own).
   */
  startBackgroundMonitoring(
    registration: string,
    options: { handler?: NotificationHandler; pollingInterval?: number } = {},
  ): void {
    if (this.#background.has(registration)) return;
    if (options.handler) {
      void this.addNotificationHandler(`${registration}`, options.handler).catch((error) =>
        log.error("could not add the handler of {registration}: {error}", { registration, error })
      );
    }
    if (!this.#running) {
      this.#running = true;
      this.#dispatcher.start();
    }
    const controller = new AbortController();
    const { monitoring } = this.#options.config;
    const schedule = startSchedule({
      name: cronJobName(registration),
      intervalSeconds: options.pollingInterval ?? monitoring.polling_interval,
      cron: options.pollingInterval ? null : monitoring.schedule,
      signal: controller.signal,
      useDenoCron: this.#options.useDenoCron,
      run: () =>
        this.#track(async () => {
          // A tick that reached its cap yields (lease released, other work runs) and the
          // registration is drained on at once, not at the next schedule.
          await this.#drain(registration, { signal: controller.signal });
          await this.purgeJournal();
        }),
    });
    this.#background.set(registration, { controller, schedule });
    log.info("monitoring {registration}: {schedule}", {
      registration,
      schedule: schedule.description,
    });
  }

  /** Stops the background monitoring of one registration, or of all. */
  stopBackgroundMonitoring(registration?: string): void {
    for (const [reference, { controller }] of this.#background) {
      if (registration && reference !== registration) continue;
      controller.abort(new Error("stopped"));
      this.#background.delete(reference);
    }
  }

  /**
   * Ticks a registration every `pollingInterval` seconds and yields each tick's result, whose
   * batches are already journaled and handed to the sinks.
   */
  async *monitorContinuously(
    registration: string,
    options: { pollingInterval?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<TickResult> {
    const interval = (options.pollingInterval ?? this.#options.config.monitoring.polling_interval) *
      1000;
    if (!this.#running) {
      this.#running = true;
      this.#dispatcher.start();
    }
    while (!options.signal?.aborted) {
      const started = this.#clock.now();
      const result = await this.#monitor.tick(registration, { signal: options.signal });
      this.#recordTick(result);
      yield result;
      if (result.outcome === "cap") continue;
      const wait = Math.max(0, interval - (this.#clock.now() - started));
      try {
        await this.#clock.sleep(wait, options.signal);
      } catch {
        return;
      }
    }
  }

  /** Journals one notification handed in by code (a push file line, say) and dispatches it. */
  processNotification(
    notification: Notification | string,
    options: { registration: string },
  ): Promise<ProcessResult> {
    return this.processNotifications([notification], options);
  }

  /**
   * Journals notifications handed in by code as one batch, each validated on its own like a
   * pulled page: invalid ones go to dead letters, the rest to every sink. `source` records
   * where they came from (lines of a D&B push file, say) in the batch's journal header.
   */
  async processNotifications(
    notifications: (Notification | string | UnreadableLine)[],
    options: { registration: string; source?: "handed_in" | "push_file" },
  ): Promise<ProcessResult> {
    const valid: JournaledNotification[] = [];
    const invalid: DeadLetter[] = [];
    const at = new Date(this.#clock.now()).toISOString();
    for (const item of notifications) {
      const unreadable = item instanceof UnreadableLine ? item : null;
      const raw = typeof item === "string"
        ? item
        : unreadable
        ? unreadable.text
        : JSON.stringify(item);
      const read = checkNotification(raw, { reference: options.registration });
      if (unreadable) {
        invalid.push({
          sink: VALIDATION,
          registration: options.registration,
          notificationId: read.id,
          raw,
          reason: unreadable.reason,
          at,
          batchSequence: null,
        });
      } else if ("reason" in read) {
        invalid.push({
          sink: VALIDATION,
          registration: options.registration,
          notificationId: read.id,
          raw,
          reason: read.reason,
          at,
          batchSequence: null,
        });
      } else {
        valid.push({ id: read.id, raw, notification: read.notification });
      }
    }
    // At most `notification_batch_size` per batch (a file, a handler call), as for pulls.
    const size = this.#options.config.monitoring.notification_batch_size;
    const sequences: number[] = [];
    let journaled = 0;
    let duplicates = 0;
    for (let at = 0; at === 0 || at < valid.length; at += size) {
      const appended = await this.#journal.append(options.registration, {
        notifications: valid.slice(at, at + size),
        deadLetters: at === 0 ? invalid : [],
        pulledAt: new Date(this.#clock.now()),
        source: options.source ?? "handed_in",
      });
      duplicates += appended.duplicates;
      if (appended.batch) {
        sequences.push(appended.batch.sequence);
        journaled += appended.batch.count;
      }
    }
    if (sequences.length > 0) this.#dispatcher.notify();
    return {
      sequence: sequences.at(-1) ?? null,
      sequences,
      journaled,
      duplicates,
      deadLettered: invalid.length,
    };
  }

  /**
   * Adds code that receives every batch from now on (`startAt: "beginning"` for the retained
   * journal too). It runs as a sink: isolated, retried, with its own cursor.
   */
  async addNotificationHandler(
    name: string,
    handler: NotificationHandler,
    options: { startAt?: StartAt } = {},
  ): Promise<void> {
    await this.#dispatcher.addSink(handlerSink(name, handler), {
      startAt: options.startAt ?? "head",
    });
  }

  async removeNotificationHandler(name: string): Promise<void> {
    await this.#dispatcher.removeSink(`${HANDLER_PREFIX}${name}`);
  }

  /** Creates a registration at D&B; a running service starts monitoring it at once. */
  async createRegistration(spec: RegistrationSpec): Promise<Information> {
    const information = await this.#options.client.registrations.create(spec);
    await markRegistrationsChanged(this.#options.kv);
    if (this.#registrationTimer !== null) await this.syncRegistrations();
    return information;
  }

  /** Re-fetches through the replay API; see `Monitor.replay`. */
  replay(
    registration: string,
    options: { since?: Date; onProgress?: (r: RecoveryResult) => void } = {},
  ): Promise<RecoveryResult> {
    return this.#monitor.replay(registration, options).then((result) => {
      this.#dispatcher.notify();
      return result;
    });
  }

  /**
   * Delivers everything pending to every sink once, without waiting between retries (one-shot
   * commands); per sink, whether it is now current.
   */
  deliverPending(): Promise<Record<string, { current: boolean; error: string | null }>> {
    return this.#dispatcher.deliverPending();
  }

  /** Starts the sinks' deliveries without starting to monitor (one-shot commands, tests). */
  startDelivery(): void {
    if (this.#running) return;
    this.#running = true;
    this.#dispatcher.start();
  }

  /** Validates or delivers a dead letter again; it goes only when that worked. */
  retryDeadLetter(letter: DeadLetterSummary): Promise<RetryOutcome> {
    return retryDeadLetter(letter, {
      deadLetters: this.deadLetters,
      journal: this.#journal,
      sinks: this.#dispatcher.sinks,
      processNotifications: (raw, options) => this.processNotifications(raw, options),
      deliverPending: () => this.deliverPending(),
    });
  }

  /** Removes a dead letter for good (its raw JSON goes with it). */
  discardDeadLetter(letter: DeadLetterSummary): Promise<void> {
    return this.deadLetters.remove(letter);
  }

  /** The latest dead letters, newest first; the store lists in key order, so all are read. */
  async listDeadLetters(options: { limit?: number; sink?: string } = {}): Promise<
    DeadLetterSummary[]
  > {
    const letters = await this.deadLetters.list({ sink: options.sink });
    letters.reverse();
    return options.limit === undefined ? letters : letters.slice(0, options.limit);
  }

  /** One dead letter by its key (`<sink>/<notification id>`), raw JSON included, or null. */
  async readDeadLetter(key: string): Promise<(DeadLetterSummary & { raw: string }) | null> {
    // Notification ids never hold a slash; a sink name might.
    const slash = key.lastIndexOf("/");
    if (slash <= 0 || slash === key.length - 1) return null;
    const letter: DeadLetter | null = await this.deadLetters.read({
      sink: key.slice(0, slash),
      notificationId: key.slice(slash + 1),
    });
    if (!letter) return null;
    return { ...letter, key, rawBytes: new TextEncoder().encode(letter.raw).length };
  }

  /** Dead letters by key, notification id or a prefix of either. */
  findDeadLetters(query: string): Promise<DeadLetterSummary[]> {
    return this.deadLetters.find(query);
  }

  /** The names dead letters can be filed under: every sink's, and `validation`. */
  deadLetterSinks(): string[] {
    return [VALIDATION, ...this.#dispatcher.sinks.map((sink) => sink.name)];
  }

  /** p95 of D&B request durations since start, in seconds (from the metrics' histogram). */
  requestP95Seconds(): Promise<number | null> {
    return this.#metrics.requestP95Seconds();
  }

  /** The D&B client's sampled history, for the dashboard's charts. */
  apiHistory(): ApiPoint[] {
    return this.#history.api();
  }

  /** One sink's sampled history, for the dashboard's charts. */
  sinkHistory(name: string): SinkPoint[] {
    return this.#history.sink(name);
  }

  /** The one status model; `/status`, `/readyz`, the dashboard and metrics derive from it. */
  async status(): Promise<PipelineStatus> {
    const { config, client } = this.#options;
    const api = client.status();
    const sinks = await this.#dispatcher.status();
    const references = this.#registrations ?? config.monitoring.registrations;
    const registrations = await Promise.all(references.map(async (reference) => {
      const last = this.#monitor.lastTick(reference);
      const health = this.#tickHealth.get(reference);
      return {
        reference,
        active: this.#background.has(reference),
        lastTick: last?.finishedAt ?? null,
        lastOutcome: last?.outcome ?? null,
        lastPullCount: last?.received ?? null,
        // A tick that stopped at its cap left notifications queued at D&B.
        backlogEstimate: last?.outcome === "cap" ? "more than one tick" : last ? 0 : null,
        lastError: masked(last?.error ?? null),
        failingSince: health?.failingSince ?? null,
        failedTicks: health?.failedTicks ?? 0,
        lastLostResponses: last?.lostResponses ?? null,
        rateLimitedUntil: this.#monitor.rateLimitedUntil(reference),
        gap: maskedGap(await this.#monitor.gap(reference)),
      };
    }));
    const journal = await this.#journal.stats();
    return {
      generatedAt: new Date(this.#clock.now()).toISOString(),
      service: {
        running: this.#running,
        environment: config.environment,
        version: this.#options.version,
        uptimeSeconds: Math.round((this.#clock.now() - this.#startedAt) / 1000),
        simulator: this.#options.simulator,
      },
      authentication: {
        isAuthenticated: api.authentication.isAuthenticated,
        tokenExpiresIn: api.authentication.tokenExpiresIn,
        lastError: masked(api.authentication.lastError),
        warning: masked(api.authentication.warning),
        lastRejection: masked(api.authentication.lastRejection),
      },
      api: {
        breaker: api.breaker.state,
        rateLimit: api.rateLimit,
        requests: api.transport.attempts,
        errors: api.transport.errors,
        rateLimited: api.transport.rateLimited,
        retries: api.transport.retries,
      },
      registrationList: {
        source: config.monitoring.registrations.length > 0 ? "config" : "account",
        lastListedAt: this.#listedAt === null ? null : new Date(this.#listedAt).toISOString(),
        lastError: masked(this.#listError),
      },
      registrations,
      sinks: sinks.map(sinkState),
      journal: {
        batches: journal.batches,
        notifications: journal.notifications,
        oldestBatchAt: journal.oldestPulledAt,
        oldestUndeliveredAt: await this.#oldestUndelivered(sinks),
      },
      deadLetters: await this.deadLetters.countBySink(),
      subjectChanges: (await latestAudit(this.#options.kv, { limit: SUBJECT_CHANGES_SHOWN }))
        .map((entry) => ({
          at: entry.at,
          registration: entry.registration,
          action: entry.action,
          source: entry.source,
          count: entry.duns.length,
          sample: entry.duns.slice(0, 5),
          outcome: entry.outcome,
          detail: masked(entry.detail),
        })),
    };
  }

  /** `/status`: the model with the original service's flat keys. */
  async getServiceStatus(): Promise<StatusJson> {
    return statusJson(await this.status());
  }

  /** How long failures may last before the service stops calling itself ready. */
  get thresholds(): HealthThresholds {
    const { http } = this.#options.config;
    return {
      registrationFailure: http.readiness_registration_failure,
      sinkFailure: http.readiness_sink_failure,
    };
  }

  /**
   * Ready when KV answers and nothing in the status model has failed past its threshold
   * (`overrides` replace the configured thresholds).
   */
  async readiness(overrides: Partial<HealthThresholds> = {}): Promise<Readiness> {
    const extra: string[] = [];
    try {
      await this.#options.kv.get(["readiness"]);
    } catch (error) {
      log.error("state store (Deno KV) unreadable: {error}", { error: String(error) });
      extra.push("state store (Deno KV) unreadable");
    }
    return readinessOf(await this.status(), {
      thresholds: { ...this.thresholds, ...overrides },
      nowMs: this.#clock.now(),
      extra,
    });
  }

  /**
   * Stops new ticks and lets a tick in progress journal the batch in hand (it stops between
   * pulls), gives sinks `shutdown_timeout` to finish, and closes them.
   */
  async shutdown(): Promise<void> {
    this.stopBackgroundMonitoring();
    if (this.#historyTimer !== null) clearInterval(this.#historyTimer);
    this.#historyTimer = null;
    if (this.#registrationTimer !== null) clearInterval(this.#registrationTimer);
    this.#registrationTimer = null;
    const timeoutMs = this.#options.config.pipeline.shutdown_timeout * 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#activeTicks]),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    await this.#dispatcher.stop();
    for (const sink of this.#dispatcher.sinks) {
      try {
        await sink.close();
      } catch (error) {
        log.warn("closing {sink} failed: {error}", { sink: sink.name, error: String(error) });
      }
    }
    this.#running = false;
  }

  #recordTick(result: TickResult): void {
    this.#metrics.onTick(result);
    logTick(result);
    const health = this.#tickHealth.get(result.registration) ??
      { failingSince: null, failedTicks: 0 };
    if (result.outcome === "failed") {
      health.failingSince ??= result.startedAt;
      health.failedTicks++;
    } else if (result.outcome !== "lease_held" && result.outcome !== "stopped") {
      health.failingSince = null;
      health.failedTicks = 0;
    }
    this.#tickHealth.set(result.registration, health);
  }

  async #track(work: () => Promise<void>): Promise<void> {
    const running = work().catch((error) =>
      log.error("tick failed: {error}", {
        error: error instanceof Error ? error.message : String(error),
      })
    );
    this.#activeTicks.add(running);
    try {
      await running;
    } finally {
      this.#activeTicks.delete(running);
    }
  }

  /** Removes journal batches every sink has and that are past `retention_days`. */
  async purgeJournal(): Promise<number> {
    const retentionMs = this.#options.config.state.retention_days * 86_400_000;
    const purged = await this.#journal.purge({
      before: new Date(this.#clock.now() - retentionMs),
      acknowledged: (registration) => this.#dispatcher.acknowledged(registration),
    });
    if (purged > 0) log.info("purged {purged} delivered batches past retention", { purged });
    return purged;
  }

  async #oldestUndelivered(sinks: SinkStatus[]): Promise<string | null> {
    let oldest: string | null = null;
    for (const sink of sinks) {
      for (const lag of sink.lag) {
        if (lag.batches === 0) continue;
        const header = await this.#journal.readHeader(lag.registration, lag.cursor + 1);
        if (header && (oldest === null || header.pulledAt < oldest)) oldest = header.pulledAt;
      }
    }
    return oldest;
  }
}

function sinkState(sink: SinkStatus): SinkState {
  return {
    name: sink.name,
    handler: sink.name.startsWith(HANDLER_PREFIX),
    status: sink.breaker.state === "open" ? "failing" : sink.health.status,
    stored: sink.health.stored,
    bytes: sink.health.bytes,
    errors: sink.health.errors,
    lastWriteAt: sink.health.lastWriteAt,
    lagBatches: sink.lagBatches,
    lagSeconds: Math.round(sink.lagSeconds),
    breaker: sink.breaker.state,
    failingSince: sink.failingSince,
    consecutiveFailures: sink.consecutiveFailures,
    lastError: masked(sink.lastError),
    deadLettered: sink.deadLettered,
  };
}

/**
 * Error texts carry what servers said, and a server may echo what it was sent (a 401 body
 * repeating the client secret): every secret this process holds is masked before any view.
 */
function masked(text: string | null): string | null {
  return text === null ? null : maskKnownSecrets(text);
}

function maskedGap<T extends { message: string }>(gap: T | null): T | null {
  return gap === null ? null : { ...gap, message: maskKnownSecrets(gap.message) };
}
