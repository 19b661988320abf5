/** What the Direct+ transport needs of a rate limiter: a permit per request, and its counters. */
export interface RateLimiter {
  /** Waits for a permit; resolves with the milliseconds waited. */
  take(signal?: AbortSignal): Promise<number>;
  stats(): { taken: number; waitedMsTotal: number };
}
