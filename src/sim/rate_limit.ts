/**
 * The simulator's own token bucket. D&B limits per Consumer Key (dnb-direct-plus.md §5), and the
 * only published figure is 5 calls per second, so one bucket per simulator is the model. It runs
 * on real time, not the simulated clock: advancing days must not hand out free requests.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  #tokens: number;
  #lastMs: number;
  readonly #now: () => number;

  constructor(ratePerSecond: number, now: () => number = () => performance.now()) {
    this.ratePerSecond = ratePerSecond;
    this.capacity = Math.max(1, ratePerSecond);
    this.#now = now;
    this.#tokens = this.capacity;
    this.#lastMs = now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(
      this.capacity,
      this.#tokens + ((now - this.#lastMs) / 1000) * this.ratePerSecond,
    );
    this.#lastMs = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
