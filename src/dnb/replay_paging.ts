/**
 * Where the next replay request starts. D&B replays from a whole second and returns at most
 * `max` notifications per response (dnb-direct-plus.md §3.2), so paging goes by the newest
 * stamp a response holds, re-reading that second (the overlap is dropped by id). Every full
 * response moves the start forward by at least one second, so replay always ends.
 *
 * Whether D&B's "after the timestamp" is strict is unknown; both readings are covered: the next
 * start is the whole second strictly before the newest stamp, so a stamp exactly on a second is
 * read again rather than skipped.
 */

export interface ReplayStep {
  /** The start of the next request, or null when this response was the last. */
  nextStartMs: number | null;
  /**
   * Set when a full response lies inside one second: that second holds at least `max`
   * notifications and those past the first response cannot be re-fetched. The replay goes on
   * from the next second.
   */
  crowdedSecondMs: number | null;
  /** How many of the response's stamps fall in that second. */
  crowdedReached: number;
  /**
   * True when the crowded second is the boundary the response ended on, every stamp after
   * `startMs` being on or before it. Whether it really is crowded then depends on D&B's reading of
   * "after": the next response, which starts there, tells (an inclusive one shows those stamps
   * again).
   */
  onBoundary: boolean;
}

export function nextReplayStep(
  options: { startMs: number; stampsMs: readonly number[]; received: number; max: number },
): ReplayStep {
  const { startMs, stampsMs, received, max } = options;
  const done = { nextStartMs: null, crowdedSecondMs: null, crowdedReached: 0, onBoundary: false };
  if (received < max) return done;
  let newest = Number.NEGATIVE_INFINITY;
  for (const stamp of stampsMs) if (stamp > newest) newest = stamp;
  // Without a readable stamp nothing says how far the response reached: treat it as crowded.
  if (!Number.isFinite(newest)) {
    return {
      nextStartMs: startMs + 1000,
      crowdedSecondMs: startMs,
      crowdedReached: received,
      onBoundary: false,
    };
  }
  const next = Math.floor((newest - 1) / 1000) * 1000;
  if (next > startMs) {
    return { nextStartMs: next, crowdedSecondMs: null, crowdedReached: 0, onBoundary: false };
  }
  // A full response that does not leave its second: that second holds at least `max`. When it
  // reaches the next whole second, the stamps on that boundary are the ones that may go on past
  // it (whichever reading of "after" D&B uses), so that is the second named.
  const onBoundary = newest >= startMs + 1000;
  const crowded = onBoundary ? wholeSecond(newest) : startMs;
  return {
    nextStartMs: Math.max(startMs + 1000, wholeSecond(newest)),
    crowdedSecondMs: crowded,
    crowdedReached: stampsMs.filter((stamp) => wholeSecond(stamp) === crowded).length,
    onBoundary,
  };
}

/** The whole second at or before `ms`. */
export function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
