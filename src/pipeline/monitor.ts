import type { DnbClient } from "../dnb/client.ts";
import type { InvalidNotification, ParsedNotification } from "../dnb/notification_page.ts";
import type { JournaledNotification } from "../sinks/sink.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { type DeadLetter, VALIDATION } from "./dead_letters.ts";
import type { BatchHeader, BatchSource, Journal } from "./journal.ts";
import type { Leases, LeaseValue } from "./lease.ts";
import { logger, withContext } from "../log.ts";
import { inSpan } from "../tracing.ts";

const log = logger("monitor");

/** D&B keeps pulled notifications replayable for 14 days. */
export const REPLAY_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;
// Start a little inside the window: a start exactly 14 days back may already be outside it.
const WINDOW_MARGIN_MS = 60_000;

export interface MonitorOptions {
  kv: Deno.Kv;
  client: DnbClient;
  journal: Journal;
  leases: Leases;
  maxNotifications: number;
  maxPullsPerTick: number;
  leaseTtlMs: number;
  clock?: Clock;
  /** Called after each batch is journaled, so the sinks can start on it at once. */
  onBatch?: (batch: BatchHeader) => void;
}

/** `stopped`: shutdown asked the tick to end; it did so between pulls, nothing in flight. */
export type TickOutcome = "drained" | "cap" | "stopped" | "lease_held" | "failed";

export interface TickResult {
  registration: string;
  startedAt: string;
  finishedAt: string;
  outcome: TickOutcome;
  /** Pull requests sent. */
  pulls: number;
  /** Notifications D&B handed over, valid or not. */
  received: number;
  journaled: number;
  duplicates: number;
  deadLettered: number;
  batches: number[];
  recovery: RecoveryResult | null;
  error: string | null;
}

/** A stretch of time whose notifications may be gone: older than D&B's replay window. */
export interface ReplayGap {
  from: string;
  to: string;
  message: string;
}

export interface RecoveryResult {
  reason: "crash" | "operator";
  since: string;
  received: number;
  journaled: number;
  duplicates: number;
  deadLettered: number;
  batches: number[];
  gap: ReplayGap | null;
  /** Seconds holding more notifications than one replay response: partly unreplayable. */
  skippedSeconds: string[];
}

interface InflightMarker {
  since: string;
  owner: string;
}

const inflightKey = (registration: string): Deno.KvKey => ["monitor", "inflight", registration];
const gapKey = (registration: string): Deno.KvKey => ["monitor", "gap", registration];

/**
 * Pulls a registration's notifications into the journal: drain until D&B answers 404 or the
 * per-tick cap, each batch journaled before the next pull. A marker in KV says "a pull may be in
 * flight": a tick that finds it (the last process died between pull and journal) first replays
 * from the last journaled delivery time, and the journal's id index drops the overlap.
 */
export class Monitor {
  readonly #options: MonitorOptions;
  readonly #clock: Clock;
  readonly #lastTicks = new Map<string, TickResult>();

  constructor(options: MonitorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  lastTick(registration: string): TickResult | null {
    return this.#lastTicks.get(registration) ?? null;
  }

  async gap(registration: string): Promise<ReplayGap | null> {
    return (await this.#options.kv.get<ReplayGap>(gapKey(registration))).value;
  }

  /**
   * Drains one registration. `signal` ends the tick between pulls (a pull in progress is
   * finished and journaled first), so shutdown never abandons what D&B already handed over.
   */
  tick(registration: string, options: { signal?: AbortSignal } = {}): Promise<TickResult> {
    return inSpan("traceone.tick", {
      attributes: { "traceone.registration": registration },
      describe: (result) => ({
        "traceone.outcome": result.outcome,
        "traceone.pulls": result.pulls,
        "traceone.received": result.received,
        "traceone.journaled": result.journaled,
        "traceone.duplicates": result.duplicates,
        "traceone.dead_lettered": result.deadLettered,
        "traceone.recovered": result.recovery !== null,
      }),
    }, () => withContext({ registration }, () => this.#tick(registration, options)));
  }

  async #tick(registration: string, options: { signal?: AbortSignal }): Promise<TickResult> {
    const { kv, client, leases } = this.#options;
    const result: TickResult = {
      registration,
      startedAt: this.#isoNow(),
      finishedAt: "",
      outcome: "drained",
      pulls: 0,
      received: 0,
      journaled: 0,
      duplicates: 0,
      deadLettered: 0,
      batches: [],
      recovery: null,
      error: null,
    };
    const holder = new LeaseHolder(leases, registration, {
      ttlMs: this.#options.leaseTtlMs,
      now: () => this.#clock.now(),
    });
    if (!(await holder.take())) {
      result.outcome = "lease_held";
      return this.#finish(result);
    }
    try {
      const marker = await kv.get<InflightMarker>(inflightKey(registration));
      if (marker.value) {
        log.warn(
          "{registration}: a pull was in flight when the last process stopped (since {since}); " +
            "recovering through replay",
          { registration, since: marker.value.since },
        );
        result.recovery = await this.#replay(registration, {
          reason: "crash",
          since: null,
          holder,
          signal: options.signal,
        });
        log.warn(
          "{registration}: recovered after an interrupted pull: replayed since {since}, " +
            "{journaled} journaled, {duplicates} already journaled",
          {
            registration,
            since: result.recovery.since,
            journaled: result.recovery.journaled,
            duplicates: result.recovery.duplicates,
          },
        );
      } else {
        const value: InflightMarker = { since: this.#isoNow(), owner: leases.owner };
        await kv.set(inflightKey(registration), value);
      }
      result.outcome = "cap";
      while (result.pulls < this.#options.maxPullsPerTick) {
        // Stop only between pulls: an aborted pull may already be dequeued at D&B.
        if (options.signal?.aborted) {
          result.outcome = "stopped";
          break;
        }
        await holder.renewIfDue();
        const page = await client.notifications.pull(registration, {
          maxNotifications: this.#options.maxNotifications,
        });
        result.pulls++;
        if (!page) {
          result.outcome = "drained";
          break;
        }
        result.received += page.notifications.length + page.invalid.length;
        const appended = await this.#journal(registration, {
          notifications: page.notifications,
          invalid: page.invalid,
          source: "pull",
          holder,
        });
        result.journaled += appended.journaled;
        result.duplicates += appended.duplicates;
        result.deadLettered += page.invalid.length;
        if (appended.sequence !== null) result.batches.push(appended.sequence);
      }
      // Everything D&B handed over is journaled: nothing is in flight any more.
      await kv.delete(inflightKey(registration));
    } catch (error) {
      // The marker stays: a failed or timed-out pull may have been dequeued by D&B.
      result.outcome = "failed";
      result.error = error instanceof Error ? error.message : String(error);
    } finally {
      await holder.release();
    }
    return this.#finish(result);
  }

  /**
   * Re-fetches through the replay API what was delivered after `since` (default: the last
   * journaled delivery time) and journals what the journal does not already hold.
   */
  async replay(
    registration: string,
    options: { since?: Date; signal?: AbortSignal; onProgress?: (r: RecoveryResult) => void } = {},
  ): Promise<RecoveryResult> {
    const holder = new LeaseHolder(this.#options.leases, registration, {
      ttlMs: this.#options.leaseTtlMs,
      now: () => this.#clock.now(),
    });
    if (!(await holder.take())) {
      throw new Error(`${registration}: another instance holds the lease; try again shortly`);
    }
    try {
      return await this.#replay(registration, {
        reason: "operator",
        since: options.since ?? null,
        holder,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } finally {
      await holder.release();
    }
  }

  async #replay(registration: string, options: {
    reason: RecoveryResult["reason"];
    since: Date | null;
    holder: LeaseHolder;
    signal?: AbortSignal;
    onProgress?: (r: RecoveryResult) => void;
  }): Promise<RecoveryResult> {
    const { journal, kv, client } = this.#options;
    const now = this.#clock.now();
    const windowStart = new Date(now - REPLAY_WINDOW_DAYS * DAY_MS + WINDOW_MARGIN_MS);
    const last = (await journal.head(registration))?.lastDeliveryTimeStamp;
    const wanted = options.since ?? (last ? new Date(last) : windowStart);
    const start = wanted < windowStart ? windowStart : wanted;
    const result: RecoveryResult = {
      reason: options.reason,
      since: start.toISOString(),
      received: 0,
      journaled: 0,
      duplicates: 0,
      deadLettered: 0,
      batches: [],
      gap: null,
      skippedSeconds: [],
    };
    if (wanted < windowStart) {
      result.gap = {
        from: wanted.toISOString(),
        to: windowStart.toISOString(),
        message: `notifications delivered between ${wanted.toISOString()} and ` +
          `${windowStart.toISOString()} are outside D&B's ${REPLAY_WINDOW_DAYS}-day replay window ` +
          "and cannot be re-fetched; ask D&B for a re-seed if any were lost",
      };
      await kv.set(gapKey(registration), result.gap);
      log.error("{registration}: {message}", { registration, message: result.gap.message });
    }
    const pages = client.notifications.replay(registration, start, {
      maxNotifications: 100,
      signal: options.signal,
    });
    for await (const page of pages) {
      await options.holder.renewIfDue();
      result.received += page.notifications.length + page.invalid.length;
      result.duplicates += page.duplicates;
      if (page.skippedSecond) {
        result.skippedSeconds.push(page.skippedSecond);
        const gap: ReplayGap = {
          from: page.skippedSecond,
          to: new Date(Date.parse(page.skippedSecond) + 1000).toISOString(),
          message: `more notifications were delivered in the second ${page.skippedSecond} than ` +
            "one replay response holds; those past the first page cannot be re-fetched (if any " +
            "was lost, ask D&B for a re-seed)",
        };
        result.gap ??= gap;
        await kv.set(gapKey(registration), gap);
        log.error("{registration}: {message}", { registration, message: gap.message });
      }
      const appended = await this.#journal(registration, {
        notifications: page.notifications,
        invalid: page.invalid,
        source: "replay",
        holder: options.holder,
      });
      result.journaled += appended.journaled;
      result.duplicates += appended.duplicates;
      result.deadLettered += page.invalid.length;
      if (appended.sequence !== null) result.batches.push(appended.sequence);
      options.onProgress?.(result);
    }
    return result;
  }

  async #journal(registration: string, input: {
    notifications: ParsedNotification[];
    invalid: InvalidNotification[];
    source: BatchSource;
    holder: LeaseHolder;
  }): Promise<{ sequence: number | null; journaled: number; duplicates: number }> {
    const at = this.#isoNow();
    const deadLetters: DeadLetter[] = input.invalid.map((bad) => ({
      sink: VALIDATION,
      registration,
      notificationId: bad.id,
      raw: bad.raw,
      reason: bad.reason,
      at,
      batchSequence: null,
    }));
    const notifications: JournaledNotification[] = input.notifications.map((n) => ({
      id: n.id,
      raw: n.raw,
      notification: n.notification,
    }));
    const { batch, duplicates } = await this.#options.journal.append(registration, {
      notifications,
      deadLetters,
      pulledAt: new Date(this.#clock.now()),
      source: input.source,
      guard: input.holder.entry ?? undefined,
    });
    if (batch) this.#options.onBatch?.(batch);
    return { sequence: batch?.sequence ?? null, journaled: batch?.count ?? 0, duplicates };
  }

  #finish(result: TickResult): TickResult {
    result.finishedAt = this.#isoNow();
    this.#lastTicks.set(result.registration, result);
    return result;
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}

/** A lease held for one tick, renewed when a third of its time has passed. */
class LeaseHolder {
  entry: Deno.KvEntry<LeaseValue> | null = null;
  readonly #leases: Leases;
  readonly #registration: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #takenAt = 0;

  constructor(
    leases: Leases,
    registration: string,
    options: { ttlMs: number; now: () => number },
  ) {
    this.#leases = leases;
    this.#registration = registration;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
  }

  async take(): Promise<boolean> {
    this.entry = await this.#leases.acquire(this.#registration);
    this.#takenAt = this.#now();
    return this.entry !== null;
  }

  async renewIfDue(): Promise<void> {
    if (this.#now() - this.#takenAt < this.#ttlMs / 3) return;
    if (!(await this.take())) {
      throw new Error(`${this.#registration}: lease lost to another instance; stopping this tick`);
    }
  }

  async release(): Promise<void> {
    if (this.entry) await this.#leases.release(this.entry);
    this.entry = null;
  }
}
