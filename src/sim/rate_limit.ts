/**
 * The simulator's rate limit. D&B limits per Consumer Key (dnb-direct-plus.md §5) and publishes
 * no window, so the simulator enforces the strictest reading of "N calls per second": at most N
 * accepted requests in any sliding one-second window. A client that is evenly spaced at exactly
 * N/s still trips it when one request arrives a little late and the next on time; a client must
 * leave a margin. It runs on real time, not the simulated clock: advancing days must not hand
 * out free requests.
 */
export class SlidingWindowLimit {
  readonly perSecond: number;
  /** Requests allowed per window; below 1/s the window grows instead (0.5/s: 1 per 2 s). */
  readonly #count: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Arrival times of the accepted requests of the last second, oldest first. */
  readonly #accepted: number[] = [];

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.perSecond = perSecond;
    this.#count = Math.max(1, Math.floor(perSecond));
    this.#windowMs = (this.#count * 1000) / perSecond;
    this.#now = now;
  }

  /** Accepts the request if fewer than `perSecond` were accepted in the last 1,000 ms. */
  tryTake(): boolean {
    const now = this.#now();
    const since = now - this.#windowMs;
    while (this.#accepted.length > 0 && this.#accepted[0] <= since) this.#accepted.shift();
    if (this.#accepted.length >= this.#count) return false;
    this.#accepted.push(now);
    return true;
  }
}
