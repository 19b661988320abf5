import type { RateLimiter } from "../resilience/rate_limiter.ts";
import { sleep } from "../resilience/sleep.ts";

/**
 * D&B limits requests per Consumer Key, "regardless of how many users are using the API"
 * (dnb-direct-plus.md §5). So the budget is the account's, not the process's: every process
 * that shares the state (the service, a CLI command beside it, other instances on a shared KV)
 * reserves its slots from one schedule in Deno KV. It is GCRA: the KV entry holds the next free
 * slot, and a reservation is one atomic check-and-set on it.
 *
 * The spacing leaves a margin: D&B's window is not published, and a strict sliding window of one
 * second refuses the (N+1)-th request that arrives a few milliseconds early because the one N
 * before it was sent a little late. 5 % leaves 50 ms per window for timers and connections; a
 * 429 that still happens costs a wait, never a notification (a pull is repeated, not lost).
 */
export const RATE_MARGIN = 0.05;

export interface AccountRateLimitOptions {
  kv: Deno.Kv;
  /** One key per account: base URL and client id. */
  key: Deno.KvKey;
  ratePerSecond: number;
  now?: () => number;
}

export class AccountRateLimit implements RateLimiter {
  readonly ratePerSecond: number;
  readonly #options: AccountRateLimitOptions;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Reservations of this process go one at a time, so they do not conflict with each other. */
  #queue: Promise<unknown> = Promise.resolve();
  #taken = 0;
  #waitedMsTotal = 0;

  constructor(options: AccountRateLimitOptions) {
    if (!(options.ratePerSecond > 0)) {
      throw new RangeError(`rate limit must be > 0, got ${options.ratePerSecond}`);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.#options = options;
    this.#intervalMs = (1000 / options.ratePerSecond) * (1 + RATE_MARGIN);
    this.#now = options.now ?? Date.now;
  }

  async take(signal?: AbortSignal): Promise<number> {
    const reserved = this.#queue.then(() => this.#reserve());
    this.#queue = reserved.catch(() => {});
    const slot = await reserved;
    const wait = Math.max(0, slot - this.#now());
    this.#taken++;
    this.#waitedMsTotal += wait;
    await sleep(wait, signal);
    return wait;
  }

  stats(): { taken: number; waitedMsTotal: number } {
    return { taken: this.#taken, waitedMsTotal: this.#waitedMsTotal };
  }

  /** The local time of the slot reserved for this request. */
  async #reserve(): Promise<number> {
    const { kv, key } = this.#options;
    for (;;) {
      const entry = await kv.get<number>(key);
      const now = this.#now();
      // A slot far in the past is no credit: a quiet spell does not allow a burst afterwards.
      const slot = Math.max(entry.value ?? 0, now);
      const result = await kv.atomic().check(entry).set(key, slot + this.#intervalMs, {
        expireIn: 60_000,
      }).commit();
      if (result.ok) return slot;
    }
  }
}
