export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  name: string;
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before it lets one trial call through. */
  resetTimeoutMs: number;
  now?: () => number;
  onStateChange?: (change: BreakerStateChange) => void;
}

export interface BreakerStateChange {
  name: string;
  from: BreakerState;
  to: BreakerState;
  at: number;
}

export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  consecutiveFailures: number;
  /** When the breaker last opened (ms since epoch), or null. */
  openedAt: number | null;
  /** When an open breaker lets the next trial through, or null. */
  retryAt: number | null;
  opens: number;
}

/** Thrown instead of calling a dependency whose breaker is open. */
export class CircuitOpenError extends Error {
  readonly code = "CIRCUIT_OPEN";
  readonly breaker: string;
  readonly retryAt: number;

  constructor(breaker: string, retryAt: number) {
    super(
      `${breaker}: circuit breaker is open after repeated failures; next trial at ` +
        `${new Date(retryAt).toISOString()} (calls fail fast until then)`,
    );
    this.name = "CircuitOpenError";
    this.breaker = breaker;
    this.retryAt = retryAt;
  }
}

/**
 * Closed → open after `failureThreshold` consecutive failures; open → half-open once
 * `resetTimeoutMs` passed, letting exactly one trial call through; that trial closes the breaker
 * on success or reopens it on failure.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt: number | null = null;
  #trialInFlight = false;
  #opens = 0;

  constructor(options: CircuitBreakerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /**
   * Asks to make a call. Returns normally when allowed; throws `CircuitOpenError` when not.
   * An allowed call must end in `recordSuccess`, `recordFailure` or `recordNeutral`.
   */
  acquire(): void {
    if (this.#state === "closed") return;
    const retryAt = (this.#openedAt ?? 0) + this.#options.resetTimeoutMs;
    if (this.#state === "open") {
      if (this.#now() < retryAt) throw new CircuitOpenError(this.name, retryAt);
      this.#transition("half_open");
    }
    if (this.#trialInFlight) throw new CircuitOpenError(this.name, retryAt);
    this.#trialInFlight = true;
  }

  recordSuccess(): void {
    this.#trialInFlight = false;
    this.#failures = 0;
    if (this.#state !== "closed") {
      this.#openedAt = null;
      this.#transition("closed");
    }
  }

  recordFailure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === "half_open" || this.#failures >= this.#options.failureThreshold) {
      this.#openedAt = this.#now();
      if (this.#state !== "open") {
        this.#opens++;
        this.#transition("open");
      }
    }
  }

  /** The call ended in a way that says nothing about the dependency's health. */
  recordNeutral(): void {
    this.#trialInFlight = false;
  }

  snapshot(): BreakerSnapshot {
    return {
      name: this.name,
      state: this.#state,
      consecutiveFailures: this.#failures,
      openedAt: this.#openedAt,
      retryAt: this.#state === "closed"
        ? null
        : (this.#openedAt ?? 0) + this.#options.resetTimeoutMs,
      opens: this.#opens,
    };
  }

  #transition(to: BreakerState): void {
    const from = this.#state;
    this.#state = to;
    this.#options.onStateChange?.({ name: this.name, from, to, at: this.#now() });
  }
}
