import { sleep } from "../resilience/sleep.ts";

/** Time as the pipeline sees it; tests pass one that jumps ahead instead of waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: Date.now, sleep };
