import type { DnbClient } from "../dnb/client.ts";
import {
  DnbApiError,
  DnbNetworkError,
  DnbOutcomeUnknownError,
  DnbResponseTooLargeError,
  DnbTimeoutError,
  provesNothingDequeued,
} from "../dnb/errors.ts";
import type {
  InvalidNotification,
  NotificationPage,
  ParsedNotification,
} from "../dnb/notification_page.ts";
import { newestStampMs } from "../dnb/notifications_api.ts";
import { wholeSecond } from "../dnb/replay_paging.ts";
import type { JournaledNotification } from "../sinks/sink.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { type DeadLetter, VALIDATION } from "./dead_letters.ts";
import { backoffDelay } from "../resilience/backoff.ts";
import {
  type BatchHeader,
  type BatchSource,
  type Journal,
  JournalConflictError,
} from "./journal.ts";
import type { Leases, LeaseValue } from "./lease.ts";
import { forgetEndedSubjects } from "./subject_record.ts";
import { latestSecondBy, PullPacer, type PullPlan, replayStartFor } from "./pacing.ts";
import { logger, withContext } from "../log.ts";
import { inSpan } from "../tracing.ts";

const log = logger("monitor");

/** D&B keeps pulled notifications replayable for 14 days. */
export const REPLAY_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;
// Start a little inside the window: a start exactly 14 days back may already be outside it.
const WINDOW_MARGIN_MS = 60_000;
/** Lost answers in a row after which the tick gives up (D&B is failing, not just a blip). */
const MAX_CONSECUTIVE_LOST = 5;
/** 429s in a row on pulls after which the tick gives up until the next schedule. */
const MAX_CONSECUTIVE_RATE_LIMITED = 10;
/**
 * After a timeout or a reset, D&B may still be working on the pull; the replay waits this long
 * (at most the request timeout) so that a page it dequeues late is in the replay log by then.
 */
const LATE_ANSWER_GRACE_MS = 5_000;

export interface MonitorOptions {
  kv: Deno.Kv;
  client: DnbClient;
  journal: Journal;
  leases: Leases;
  /** Page size and pages per registration per D&B second (`pullPlan`). */
  plan: PullPlan;
  maxPullsPerTick: number;
  leaseTtlMs: number;
  /**
   * `dnb_api.timeout`: after a pull timed out or lost its connection, D&B may still dequeue its
   * page; recovery waits this long again (at most 5 s) before it replays.
   */
  answerTimeoutMs: number;
  clock?: Clock;
  /**
   * `monitoring.notification_batch_size`: the most notifications one journaled batch (one file,
   * one handler call) holds; a larger answer becomes several batches. Unbounded by default.
   */
  batchSize?: number;
  /** Called after each batch is journaled, so the sinks can start on it at once. */
  onBatch?: (batch: BatchHeader) => void;
}

/**
 * `cap`: the tick reached `max_pulls_per_tick` and yields; more may be queued at D&B.
 * `stopped`: shutdown asked the tick to end; it did so between pulls, nothing in flight.
 */
export type TickOutcome = "drained" | "cap" | "stopped" | "lease_held" | "failed";

export interface TickResult {
  registration: string;
  startedAt: string;
  finishedAt: string;
  outcome: TickOutcome;
  /** Pull requests sent, answered or not. */
  pulls: number;
  /** Notifications in the pull answers that arrived whole, valid or not. */
  received: number;
  journaled: number;
  /** Already journaled (received = journaled + duplicates + deadLettered). */
  duplicates: number;
  deadLettered: number;
  batches: number[];
  /** Recovery of a pull left in flight by an earlier process (a crash). */
  recovery: RecoveryResult | null;
  /** Pulls whose answer did not arrive whole, each recovered through replay. */
  lostResponses: number;
  /** Those recoveries, in order. */
  recoveries: RecoveryResult[];
  error: string | null;
}

/** What may be gone: older than D&B's replay window, or past the first page of a crowded second. */
export interface ReplayGap {
  from: string;
  to: string;
  message: string;
  /** Journaled notifications of that stretch that replay could not reach (a lower bound). */
  unreachable?: number;
}

export interface CrowdedSecond {
  second: string;
  /** Re-read from that second by this replay. */
  reached: number;
  /** Journaled from that second but beyond the first response: known to be unreachable. */
  unreachable: number;
}

export interface RecoveryResult {
  reason: "crash" | "lost_response" | "operator";
  since: string;
  /** Notifications in the replay answers, before any de-duplication. */
  received: number;
  journaled: number;
  /** Already journaled, or repeated by the overlap of two replay answers. */
  duplicates: number;
  deadLettered: number;
  batches: number[];
  gap: ReplayGap | null;
  /** Seconds holding more notifications than one replay response: partly unreplayable. */
  crowdedSeconds: CrowdedSecond[];
}

interface InflightMarker {
  /** The whole D&B second (ms) replay recovers from. */
  sinceMs?: number;
  /** Markers of older versions: an ISO time. */
  since?: string;
  owner: string;
}

/**
 * One marker per registration and instance: an instance clears only its own, so one that lost
 * its lease mid-pull can leave a marker the new holder will not wipe by its own commit.
 */
const inflightKey = (registration: string, owner: string): Deno.KvKey => [
  "monitor",
  "inflight",
  registration,
  owner,
];
/** Where markers of older versions were kept, one per registration. */
const legacyInflightKey = (
  registration: string,
): Deno.KvKey => ["monitor", "inflight", registration];
const gapKey = (registration: string): Deno.KvKey => ["monitor", "gap", registration];
const reportedGapKey = (registration: string, second: number): Deno.KvKey => [
  "monitor",
  "gap_reported",
  registration,
  second,
];

/**
 * Pulls a registration's notifications into the journal: drain until D&B answers 404, each batch
 * journaled before the next pull, at most one page per registration per D&B second so every page
 * stays replayable. Before each pull a marker in KV records the D&B second it is sent in; a pull
 * whose answer does not arrive whole, or a process that dies with the marker set, is recovered
 * by replay from that second, and the journal's id index drops the overlap.
 */
export class Monitor {
  readonly #options: MonitorOptions;
  readonly #clock: Clock;
  readonly #pacer: PullPacer;
  readonly #lastTicks = new Map<string, TickResult>();
  /** Registrations with a tick or replay running in this process. */
  readonly #busy = new Set<string>();
  /** Registrations waiting out a 429 on a pull, and until when. */
  readonly #rateLimitedUntil = new Map<string, string>();

  constructor(options: MonitorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#pacer = new PullPacer(options.plan);
  }

  lastTick(registration: string): TickResult | null {
    return this.#lastTicks.get(registration) ?? null;
  }

  /** Until when a registration waits because D&B answered a pull 429, or null. */
  rateLimitedUntil(registration: string): string | null {
    return this.#rateLimitedUntil.get(registration) ?? null;
  }

  async gap(registration: string): Promise<ReplayGap | null> {
    return (await this.#options.kv.get<ReplayGap>(gapKey(registration))).value;
  }

  /**
   * Drains one registration, up to `max_pulls_per_tick`. `signal` ends the tick between pulls
   * (a pull in progress is finished and journaled first), so shutdown never abandons what D&B
   * already handed over.
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
        "traceone.lost_responses": result.lostResponses,
        "traceone.recovered": result.recovery !== null,
      }),
    }, () => withContext({ registration }, () => this.#tick(registration, options)));
  }

  async #tick(registration: string, options: { signal?: AbortSignal }): Promise<TickResult> {
    const { leases, journal } = this.#options;
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
      lostResponses: 0,
      recoveries: [],
      error: null,
    };
    const holder = new LeaseHolder(leases, registration, {
      ttlMs: this.#options.leaseTtlMs,
      now: () => this.#clock.now(),
    });
    if (!(await this.#claim(registration, holder))) {
      result.outcome = "lease_held";
      return this.#finish(result);
    }
    try {
      // Another process may have pulled this registration a moment ago.
      const last = (await journal.head(registration))?.lastDeliveryTimeStamp;
      if (last) this.#pacer.seed(registration, wholeSecond(Date.parse(last)));
      const markers = await this.#markers(registration);
      if (markers.length > 0) {
        log.warn(
          "{registration}: a pull was in flight when the last process stopped; recovering " +
            "through replay",
          { registration },
        );
        result.recovery = await this.#recover(registration, {
          reason: "crash",
          markers,
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
      }
      result.outcome = await this.#drain(registration, { result, holder, signal: options.signal });
    } catch (error) {
      // A marker left in KV makes the next tick recover first.
      result.outcome = "failed";
      result.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.#busy.delete(registration);
      await holder.release();
    }
    return this.#finish(result);
  }

  /**
   * Takes the registration for a tick or a replay: false when one runs already. The lease shuts
   * out other instances; the busy set shuts out a second caller in this one (a schedule and
   * monitorContinuously, say), which the lease would let through as the same owner. The set is
   * marked before the first await, so no caller slips in while the lease commits.
   */
  async #claim(registration: string, holder: LeaseHolder): Promise<boolean> {
    if (this.#busy.has(registration)) return false;
    this.#busy.add(registration);
    let taken = false;
    try {
      taken = await holder.take();
    } finally {
      if (!taken) this.#busy.delete(registration);
    }
    return taken;
  }

  /** Every in-flight marker of the registration: any instance's, and an older version's. */
  async #markers(registration: string): Promise<Deno.KvEntry<InflightMarker>[]> {
    const { kv } = this.#options;
    const markers: Deno.KvEntry<InflightMarker>[] = [];
    for await (
      const entry of kv.list<InflightMarker>({ prefix: legacyInflightKey(registration) })
    ) markers.push(entry);
    const legacy = await kv.get<InflightMarker>(legacyInflightKey(registration));
    if (legacy.value) markers.push(legacy as Deno.KvEntry<InflightMarker>);
    return markers;
  }

  /** Writes this instance's marker, only while it holds the lease. */
  async #setMarker(registration: string, marker: InflightMarker, holder: LeaseHolder) {
    const operation = this.#options.kv.atomic();
    if (holder.entry) operation.check(holder.entry);
    const written = await operation.set(inflightKey(registration, marker.owner), marker).commit();
    if (!written.ok) {
      throw new Error(`${registration}: lease lost to another instance; stopping this tick`);
    }
  }

  /** Clears this instance's marker: its pull proved nothing was dequeued. */
  async #clearOwnMarker(registration: string, holder: LeaseHolder): Promise<void> {
    const operation = this.#options.kv.atomic();
    if (holder.entry) operation.check(holder.entry);
    await operation.delete(inflightKey(registration, this.#options.leases.owner)).commit();
  }

  /**
   * Clears the markers a recovery covered, only under the lease, each only if unchanged since it
   * was read: one rewritten meanwhile (an instance whose late page the journal refused) stays
   * for the next tick.
   */
  async #clearMarkers(
    markers: Deno.KvEntry<InflightMarker>[],
    holder: LeaseHolder,
  ): Promise<void> {
    for (const marker of markers) {
      const operation = this.#options.kv.atomic().check(marker);
      if (holder.entry) operation.check(holder.entry);
      await operation.delete(marker.key).commit();
    }
  }

  /**
   * A page was pulled but the journal refused it (the lease was lost meanwhile): keep a marker
   * without the lease check, so whoever holds the registration next recovers it.
   */
  async #keepMarker(registration: string, marker: InflightMarker): Promise<void> {
    await this.#options.kv.set(inflightKey(registration, marker.owner), marker);
  }

  async #drain(
    registration: string,
    context: { result: TickResult; holder: LeaseHolder; signal?: AbortSignal },
  ): Promise<TickOutcome> {
    const { client } = this.#options;
    const { result, holder, signal } = context;
    const dnbClock = client.clock;
    const owner = this.#options.leases.owner;
    let lostInARow = 0;
    let rateLimitedInARow = 0;
    while (result.pulls < this.#options.maxPullsPerTick) {
      // Stop only between pulls: an aborted pull may already be dequeued at D&B.
      if (signal?.aborted) return "stopped";
      if (!(await this.#paced(registration, signal))) return "stopped";
      await holder.renewIfDue();
      const marker: InflightMarker = {
        sinceMs: replayStartFor(dnbClock.now(), dnbClock.bounds()),
        owner,
      };
      await this.#setMarker(registration, marker, holder);
      result.pulls++;
      let page;
      try {
        page = await client.notifications.pull(registration, {
          maxNotifications: this.#pacer.pageSize(registration),
        });
      } catch (error) {
        if (error instanceof DnbApiError && error.status === 429) {
          // Refused before anything happened; wait as D&B asks, then pull again.
          await this.#clearOwnMarker(registration, holder);
          rateLimitedInARow++;
          if (rateLimitedInARow > MAX_CONSECUTIVE_RATE_LIMITED) throw error;
          const wait = error.retryAfterMs ??
            backoffDelay(rateLimitedInARow - 1, { baseMs: 500, maxMs: 30_000 });
          if (error.retryAfterAskedMs !== null && error.retryAfterAskedMs > wait) {
            log.warn(
              "{registration}: D&B asked to wait {asked} s (Retry-After); waiting {wait} s, " +
                "the most dnb_api.retry_after_max allows",
              {
                registration,
                asked: Math.round(error.retryAfterAskedMs / 1000),
                wait: Math.round(wait / 1000),
              },
            );
          }
          this.#rateLimitedUntil.set(
            registration,
            new Date(this.#clock.now() + wait).toISOString(),
          );
          try {
            await this.#clock.sleep(wait, signal);
          } catch {
            return "stopped";
          } finally {
            this.#rateLimitedUntil.delete(registration);
          }
          continue;
        }
        if (!(error instanceof DnbOutcomeUnknownError)) {
          // Refused before anything happened: nothing to recover. Anything else may have
          // dequeued a page, and the marker stays.
          if (provesNothingDequeued(error)) await this.#clearOwnMarker(registration, holder);
          throw error;
        }
        rateLimitedInARow = 0;
        result.lostResponses++;
        lostInARow++;
        if (error.cause instanceof DnbResponseTooLargeError) {
          // This registration's records are large: fewer per page, one page per second.
          const smaller = this.#pacer.shrink(registration);
          log.warn(
            "{registration}: a pull answer was larger than dnb_api.max_response_bytes; pulling " +
              "{smaller} per page, one page per second, from now on",
            { registration, smaller },
          );
        }
        log.warn(
          "{registration}: the answer to a pull did not arrive whole ({error}); recovering " +
            "through replay from {since}",
          {
            registration,
            error: error.message,
            since: new Date(marker.sinceMs!).toISOString(),
          },
        );
        // D&B may still be at work on a pull that timed out or lost its connection: give it
        // that long again. Then the page, if any, is in the replay log; until the replay shows
        // its stamps, the next pull keeps clear of the latest second it can have, and that
        // second takes no other page.
        try {
          await this.#clock.sleep(this.#lateAnswerGraceMs(error), signal);
        } catch {
          return "stopped";
        }
        this.#pacer.close(registration, latestSecondBy(dnbClock.now(), dnbClock.bounds()));
        await holder.renewIfDue();
        const recovery = await this.#recover(registration, {
          reason: "lost_response",
          sinceMs: marker.sinceMs!,
          holder,
          signal,
        });
        result.recoveries.push(recovery);
        if (lostInARow >= MAX_CONSECUTIVE_LOST) {
          throw new Error(
            `${registration}: ${lostInARow} pull answers in a row did not arrive whole ` +
              `(last: ${error.message}); each was recovered through replay, pulling resumes ` +
              "on the next tick",
          );
        }
        continue;
      }
      lostInARow = 0;
      rateLimitedInARow = 0;
      if (!page) {
        await this.#clearOwnMarker(registration, holder);
        return "drained";
      }
      result.received += page.notifications.length + page.invalid.length;
      let appended;
      try {
        appended = await this.#journal(registration, {
          notifications: page.notifications,
          invalid: page.invalid,
          source: "pull",
          holder,
          clear: [inflightKey(registration, owner)],
        });
      } catch (error) {
        if (error instanceof JournalConflictError) await this.#keepMarker(registration, marker);
        throw error;
      }
      this.#pacer.record(
        registration,
        appended.newestSecond ?? latestSecondBy(dnbClock.now(), dnbClock.bounds()),
      );
      result.journaled += appended.journaled;
      result.duplicates += appended.duplicates;
      result.deadLettered += page.invalid.length;
      result.batches.push(...appended.sequences);
    }
    return "cap";
  }

  /** How long D&B may go on with a pull whose answer we stopped waiting for. */
  #lateAnswerGraceMs(error: DnbOutcomeUnknownError): number {
    const cause = error.cause;
    if (
      cause instanceof DnbTimeoutError || (cause instanceof DnbNetworkError && !cause.duringBody)
    ) {
      return Math.min(this.#options.answerTimeoutMs, LATE_ANSWER_GRACE_MS);
    }
    // D&B answered (a 5xx, a body cut off or unreadable): it had finished with the pull.
    return 0;
  }

  /** Waits until the registration may be pulled again; false when `signal` ended the wait. */
  async #paced(registration: string, signal?: AbortSignal): Promise<boolean> {
    const dnbClock = this.#options.client.clock;
    for (;;) {
      const wait = this.#pacer.notBefore(registration, dnbClock.bounds()) - dnbClock.now();
      if (wait <= 0) return true;
      try {
        await this.#clock.sleep(wait, signal);
      } catch {
        return false;
      }
    }
  }

  /** Where a marker says to replay from; markers of older versions held the tick's start. */
  async #markerStart(registration: string, marker: InflightMarker): Promise<number> {
    if (typeof marker.sinceMs === "number") return marker.sinceMs;
    const candidates = [
      marker.since ? Date.parse(marker.since) : NaN,
      Date.parse((await this.#options.journal.head(registration))?.lastDeliveryTimeStamp ?? ""),
    ].filter((ms) => !Number.isNaN(ms));
    return wholeSecond(candidates.length > 0 ? Math.min(...candidates) : this.#clock.now()) -
      1000;
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
    if (!(await this.#claim(registration, holder))) {
      throw new Error(
        `${registration}: a tick or replay of it is running, here or in another instance ` +
          "(which holds its lease); try again shortly",
      );
    }
    try {
      const last = (await this.#options.journal.head(registration))?.lastDeliveryTimeStamp;
      const since = options.since ?? (last ? new Date(last) : null);
      return await this.#replay(registration, {
        reason: "operator",
        since,
        holder,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } finally {
      this.#busy.delete(registration);
      await holder.release();
    }
  }

  /**
   * Replays from an in-flight marker's second — or an earlier one that another marker of the
   * registration holds (an instance that lost its lease mid-pull) — then clears the markers.
   */
  async #recover(registration: string, options: {
    reason: "crash" | "lost_response";
    /** The second of the pull whose answer was lost, when there is one. */
    sinceMs?: number;
    /** The markers, when the caller has just read them. */
    markers?: Deno.KvEntry<InflightMarker>[];
    holder: LeaseHolder;
    signal?: AbortSignal;
  }): Promise<RecoveryResult> {
    const markers = options.markers ?? await this.#markers(registration);
    const starts = await Promise.all(
      markers.map((m) => this.#markerStart(registration, m.value)),
    );
    const recovery = await this.#replay(registration, {
      reason: options.reason,
      since: new Date(Math.min(options.sinceMs ?? Number.POSITIVE_INFINITY, ...starts)),
      holder: options.holder,
      signal: options.signal,
    });
    await this.#clearMarkers(markers, options.holder);
    return recovery;
  }

  async #replay(registration: string, options: {
    reason: RecoveryResult["reason"];
    since: Date | null;
    holder: LeaseHolder;
    signal?: AbortSignal;
    onProgress?: (r: RecoveryResult) => void;
  }): Promise<RecoveryResult> {
    const { client } = this.#options;
    const now = this.#clock.now();
    const windowStart = new Date(now - REPLAY_WINDOW_DAYS * DAY_MS + WINDOW_MARGIN_MS);
    const wanted = options.since ?? windowStart;
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
      crowdedSeconds: [],
    };
    if (wanted < windowStart) {
      result.gap = await this.#reportGap(registration, {
        from: wanted.toISOString(),
        to: windowStart.toISOString(),
        message: `notifications delivered between ${wanted.toISOString()} and ` +
          `${windowStart.toISOString()} are outside D&B's ${REPLAY_WINDOW_DAYS}-day replay window ` +
          "and cannot be re-fetched; ask D&B for a re-seed if any were lost",
      }, Math.floor(wanted.getTime() / 1000));
    }
    const pages = client.notifications.replay(registration, start, { signal: options.signal });
    for await (const page of pages) {
      await options.holder.renewIfDue();
      result.received += page.received;
      result.duplicates += page.duplicates;
      const appended = await this.#journal(registration, {
        notifications: page.notifications,
        invalid: page.invalid,
        source: "replay",
        holder: options.holder,
      });
      if (appended.newestSecond !== null) this.#pacer.record(registration, appended.newestSecond);
      result.journaled += appended.journaled;
      result.duplicates += appended.duplicates;
      result.deadLettered += page.invalid.length;
      result.batches.push(...appended.sequences);
      if (page.crowdedSecond) {
        const crowded = await this.#crowded(registration, {
          second: page.crowdedSecond,
          reached: page.crowdedReached,
          cutBySize: page.cutBySize,
        });
        result.crowdedSeconds.push(crowded.second);
        result.gap ??= crowded.gap;
      }
      options.onProgress?.(result);
    }
    return result;
  }

  /** A second that held more than one replay response: how much of it is known lost. */
  async #crowded(
    registration: string,
    { second, reached, cutBySize }: { second: string; reached: number; cutBySize: boolean },
  ): Promise<{ second: CrowdedSecond; gap: ReplayGap }> {
    const secondMs = Date.parse(second);
    // Cut by bytes rather than by D&B's count, the second may still be reachable whole.
    const remedy = cutBySize
      ? "raise dnb_api.max_response_bytes and replay again to reach more of it, or ask D&B " +
        "for a re-seed if one was lost"
      : "ask D&B for a re-seed if one was lost";
    const journaled = await this.#options.journal.countInSecond(registration, secondMs);
    const unreachable = Math.max(0, journaled - reached);
    const gap = await this.#reportGap(registration, {
      from: second,
      to: new Date(secondMs + 1000).toISOString(),
      message: `more notifications were delivered in the second ${second} than one replay ` +
        `response ${cutBySize ? "within dnb_api.max_response_bytes " : ""}holds (${reached}): ` +
        `${unreachable} journaled one(s) of that second cannot be re-fetched, and any others D&B ` +
        `handed over then are beyond replay (${remedy})`,
      unreachable,
    }, Math.floor(secondMs / 1000));
    return { second: { second, reached, unreachable }, gap };
  }

  /** Keeps the gap for `/status` and logs it once per stretch, however often replay meets it. */
  async #reportGap(registration: string, gap: ReplayGap, second: number): Promise<ReplayGap> {
    const { kv } = this.#options;
    const reported = reportedGapKey(registration, second);
    if ((await kv.get(reported)).value === null) {
      log.error("{registration}: {message}", { registration, message: gap.message });
      await kv.atomic().set(gapKey(registration), gap).set(reported, true, {
        expireIn: (REPLAY_WINDOW_DAYS + 1) * DAY_MS,
      }).commit();
    }
    return gap;
  }

  async #journal(registration: string, input: {
    notifications: ParsedNotification[];
    invalid: InvalidNotification[];
    source: BatchSource;
    holder: LeaseHolder;
    clear?: Deno.KvKey[];
  }): Promise<
    { sequences: number[]; journaled: number; duplicates: number; newestSecond: number | null }
  > {
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
    // One answer, several batches when it holds more than a batch may. The dead letters and the
    // cleared marker go with the last commit: until it lands, a crash replays the whole answer,
    // and what the earlier commits journaled is then a duplicate by id.
    const size = this.#options.batchSize ?? Number.POSITIVE_INFINITY;
    const parts: JournaledNotification[][] = [];
    for (let at = 0; at < notifications.length; at += size) {
      parts.push(notifications.slice(at, at + size));
    }
    if (parts.length === 0) parts.push([]);
    const sequences: number[] = [];
    let journaled = 0;
    let duplicates = 0;
    // One answer, one pull time: its batches' files sort and name alike.
    const pulledAt = new Date(this.#clock.now());
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      const appended = await this.#options.journal.append(registration, {
        notifications: part,
        deadLetters: last ? deadLetters : [],
        pulledAt,
        source: input.source,
        guard: input.holder.entry ?? undefined,
        clear: last ? input.clear : undefined,
      });
      duplicates += appended.duplicates;
      if (appended.batch) {
        sequences.push(appended.batch.sequence);
        journaled += appended.batch.count;
        this.#options.onBatch?.(appended.batch);
      }
    }
    // After the journal, never before: what is stored must not wait on this bookkeeping.
    await forgetEndedSubjects(this.#options.kv, registration, notifications).then(
      (forgotten) => {
        if (forgotten.length > 0) {
          log.info("{registration}: D&B no longer monitors {duns} (REMOVED/EXIT)", {
            registration,
            duns: forgotten.join(", "),
          });
        }
      },
      (error) =>
        log.warn("{registration}: could not update the subject record: {error}", {
          registration,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
    return { sequences, journaled, duplicates, newestSecond: newestOf(input) };
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

/** The D&B second of a page's newest delivery stamp, or null without a readable one. */
function newestOf(page: Pick<NotificationPage, "notifications" | "invalid">): number | null {
  const newest = newestStampMs(page);
  return newest === null ? null : wholeSecond(newest);
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
