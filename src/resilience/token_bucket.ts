import type { RateLimiter } from "./rate_limiter.ts";
import { sleep } from "./sleep.ts";

export interface TokenBucketOptions {
  /** Sustained rate, in permits per second. */
  ratePerSecond: number;
  /**
   * Permits that may be taken at once after a quiet period. 1 spaces calls evenly, which keeps a
   * server's own limiter (whatever its window) from ever seeing more than the rate.
   */
  burst?: number;
  now?: () => number;
}

/**
 * A token bucket shared by every caller, in the GCRA form: each `take` reserves the next free
 * slot synchronously, so waiting callers are served in arrival order and never race.
 */
export class TokenBucket implements RateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** The theoretical arrival time of the next permit, in ms. */
  #nextSlotAt = 0;
  #waitedMsTotal = 0;
  #taken = 0;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) {
      throw new RangeError(`TokenBucket: ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, Math.floor(options.burst ?? 1));
    this.#intervalMs = 1000 / options.ratePerSecond;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds the caller must wait for a permit reserved now; reserves it. */
  reserve(): number {
    const now = this.#now();
    const tat = Math.max(this.#nextSlotAt, now);
    const allowedAt = tat - (this.burst - 1) * this.#intervalMs;
    const wait = Math.max(0, allowedAt - now);
    this.#nextSlotAt = tat + this.#intervalMs;
    this.#taken++;
    this.#waitedMsTotal += wait;
    return wait;
  }

  /** Waits for a permit; resolves with the milliseconds waited. */
  async take(signal?: AbortSignal): Promise<number> {
    const wait = this.reserve();
    await sleep(wait, signal);
    return wait;
  }

  stats(): { taken: number; waitedMsTotal: number } {
    return { taken: this.#taken, waitedMsTotal: this.#waitedMsTotal };
  }
}
