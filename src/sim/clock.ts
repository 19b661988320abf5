/**
 * The simulator's clock: real time plus an offset. Retention rules (4-day queue expiry, 14-day
 * replay window, token lifetime) are days long, so tests move this clock instead of waiting.
 */
export class SimClock {
  #offsetMs = 0;
  readonly #base: () => number;

  constructor(base: () => number = Date.now) {
    this.#base = base;
  }

  now(): number {
    return this.#base() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }
}
