import type { OffsetBounds } from "../dnb/dnb_clock.ts";

/**
 * D&B stamps a page with the second it hands it over, and replays from a whole second at most
 * `replay_max_notifications` at a time (dnb-direct-plus.md §3.2). So that every page can be
 * re-fetched, one registration's pages must never crowd a D&B second: at most `pagesPerSecond`
 * pulls of it per D&B second, and those pages together hold fewer than one replay response.
 * Registrations are paced apart, so the account's rate is still used by interleaving them.
 *
 * All times here are D&B times in ms, except where a name says local.
 */
export interface PullPlan {
  /** Notifications asked for per pull. */
  pageSize: number;
  /** Pulls of one registration per D&B second. */
  pagesPerSecond: number;
}

/**
 * Page size and pages per second for a replay limit. A second may hold at most
 * `replayMax - 1` notifications: then a full replay response inside one second proves that
 * second held more than the pacing allows (data from before it, or another client), and it is
 * reported as a gap instead of passing for complete.
 */
export function pullPlan(options: { maxNotifications: number; replayMax: number }): PullPlan {
  const perSecond = Math.max(1, options.replayMax - 1);
  const pageSize = Math.max(1, Math.min(options.maxNotifications, perSecond));
  return { pageSize, pagesPerSecond: Math.max(1, Math.floor(perSecond / pageSize)) };
}

/**
 * Recovery starts this much earlier than the estimate of D&B's clock says is needed. It only
 * costs re-reading the page before (dropped by id), and it covers an estimate that is off.
 */
export const RECOVERY_MARGIN_MS = 1000;
/** Pacing waits this much longer than the estimate of D&B's clock says is needed. */
export const PACING_MARGIN_MS = 20;

/** The whole D&B second from which a replay re-reads a pull sent at `localMs`. */
export function replayStartFor(localMs: number, bounds: OffsetBounds): number {
  // The request reaches D&B no earlier than local + lower, and its page is stamped after that;
  // a start one second before the ceiling is below every such stamp, strict "after" or not.
  return Math.ceil((localMs + bounds.lower) / 1000) * 1000 - 1000 - RECOVERY_MARGIN_MS;
}

/** The latest D&B second an answer received by `localMs` can have been stamped in. */
export function latestSecondBy(localMs: number, bounds: OffsetBounds): number {
  return Math.floor((localMs + bounds.upper) / 1000) * 1000;
}

export class PullPacer {
  readonly #plan: PullPlan;
  /** Registrations whose records proved large: their page size; one page per D&B second. */
  readonly #largeRecords = new Map<string, number>();
  /** Per registration: the D&B seconds of its latest pages, ascending, at most its limit. */
  readonly #seconds = new Map<string, number[]>();

  constructor(plan: PullPlan) {
    this.#plan = plan;
  }

  /** Notifications to ask for in the next pull of `registration`. */
  pageSize(registration: string): number {
    return this.#largeRecords.get(registration) ?? this.#plan.pageSize;
  }

  /** Records that a page of `registration` was (or may have been) stamped in `secondMs`. */
  record(registration: string, secondMs: number): void {
    const limit = this.#limit(registration);
    const seconds = this.#seconds.get(registration) ?? [];
    seconds.push(secondMs);
    seconds.sort((a, b) => a - b);
    if (seconds.length > limit) seconds.splice(0, seconds.length - limit);
    this.#seconds.set(registration, seconds);
  }

  /**
   * Records a page whose answer did not arrive whole: its second takes no further page of
   * `registration`. Every later recovery starting there then reads that second as the first one
   * did, not grown by pages pulled after it.
   */
  close(registration: string, secondMs: number): void {
    for (let i = 0; i < this.#limit(registration); i++) this.record(registration, secondMs);
  }

  /**
   * After an answer over the body limit: from now on half the page, so that the next pages fit
   * before D&B dequeues them rather than after, and one page per D&B second, because a replay
   * response is bounded in bytes as well as in count and holds fewer large records than the
   * pages one second could otherwise take. Returns the new page size.
   */
  shrink(registration: string): number {
    const smaller = Math.max(1, Math.floor(this.pageSize(registration) / 2));
    this.#largeRecords.set(registration, smaller);
    return smaller;
  }

  /** What another process journaled last: counts only if it is newer than what is known. */
  seed(registration: string, secondMs: number): void {
    const newest = this.#seconds.get(registration)?.at(-1);
    if (newest === undefined || secondMs > newest) this.record(registration, secondMs);
  }

  /**
   * The local time before which the next pull of `registration` must not be sent: once it
   * reaches D&B, the oldest of its last pages allowed per second must lie in an earlier second.
   */
  notBefore(registration: string, bounds: OffsetBounds): number {
    const limit = this.#limit(registration);
    const seconds = this.#seconds.get(registration) ?? [];
    if (seconds.length < limit) return Number.NEGATIVE_INFINITY;
    const oldest = seconds[seconds.length - limit];
    return oldest + 1000 - bounds.lower + PACING_MARGIN_MS;
  }

  #limit(registration: string): number {
    return this.#largeRecords.has(registration) ? 1 : this.#plan.pagesPerSecond;
  }
}
