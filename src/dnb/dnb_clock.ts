/**
 * What this process knows about D&B's clock. D&B stamps `deliveryTimeStamp` by its own clock
 * (dnb-direct-plus.md §3.2), and the pacing and recovery of pulls reason in D&B seconds, so the
 * client keeps bounds on `offset = D&B time − local time` from what responses show: the `Date`
 * header (whole seconds), `transactionTimestamp` and delivery stamps (milliseconds). Each such
 * instant happened at D&B between sending the request and receiving the answer, which bounds the
 * offset from both sides; the tightest bounds of the recent samples are kept.
 */

/** One D&B instant, known to lie in [`dnbEarliest`, `dnbLatest`], seen during a request. */
export interface ClockSample {
  /** Local ms when the request was sent. */
  sentAt: number;
  /** Local ms when the answer arrived. */
  receivedAt: number;
  dnbEarliest: number;
  dnbLatest: number;
}

export interface OffsetBounds {
  /** D&B time is at least local time + `lower`. */
  lower: number;
  /** D&B time is at most local time + `upper`. */
  upper: number;
  /** False before the first sample: the bounds are then ± the assumed skew. */
  measured: boolean;
}

/** The skew assumed before any response was seen: NTP-synchronised clocks are far closer. */
export const UNMEASURED_SKEW_MS = 5_000;
/** Recent samples only, so a clock that drifts or is stepped is followed. */
const SAMPLES_KEPT = 32;

export class DnbClock {
  /** Recent bounds from below and from above, each list oldest first. */
  readonly #lowers: number[] = [];
  readonly #uppers: number[] = [];
  /** The local clock every sample and bound is measured against. */
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  observe(sample: ClockSample): void {
    const lower = sample.dnbEarliest - sample.receivedAt;
    const upper = sample.dnbLatest - sample.sentAt;
    if (Number.isNaN(lower) || Number.isNaN(upper) || lower > upper) return;
    const current = this.bounds();
    // Samples that contradict the others mean a clock was stepped: start over from this one.
    if (current.measured && (lower > current.upper || upper < current.lower)) {
      this.#lowers.length = 0;
      this.#uppers.length = 0;
    }
    if (Number.isFinite(lower)) keep(this.#lowers, lower);
    if (Number.isFinite(upper)) keep(this.#uppers, upper);
  }

  /** Observes an HTTP `Date` header: the second D&B's clock was in while answering. */
  observeDateHeader(value: string | null, timing: { sentAt: number; receivedAt: number }): void {
    if (value === null) return;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return;
    this.observe({ ...timing, dnbEarliest: ms, dnbLatest: ms + 999 });
  }

  /** Observes a millisecond D&B instant taken while serving the request (a transaction time). */
  observeInstant(iso: string | null | undefined, timing: { sentAt: number; receivedAt: number }) {
    const ms = parse(iso);
    if (ms !== null) this.observe({ ...timing, dnbEarliest: ms, dnbLatest: ms });
  }

  /** Observes a D&B instant known only to precede the answer (a delivery stamp). */
  observeLowerBound(
    iso: string | null | undefined,
    timing: { sentAt: number; receivedAt: number },
  ) {
    const ms = parse(iso);
    if (ms !== null) {
      this.observe({ ...timing, dnbEarliest: ms, dnbLatest: Number.POSITIVE_INFINITY });
    }
  }

  bounds(): OffsetBounds {
    if (this.#lowers.length === 0 && this.#uppers.length === 0) {
      return { lower: -UNMEASURED_SKEW_MS, upper: UNMEASURED_SKEW_MS, measured: false };
    }
    const lower = this.#lowers.length > 0 ? Math.max(...this.#lowers) : -UNMEASURED_SKEW_MS;
    const upper = this.#uppers.length > 0 ? Math.min(...this.#uppers) : UNMEASURED_SKEW_MS;
    return { lower, upper: Math.max(lower, upper), measured: true };
  }
}

function keep(list: number[], value: number): void {
  list.push(value);
  if (list.length > SAMPLES_KEPT) list.shift();
}

function parse(iso: string | null | undefined): number | null {
  if (typeof iso !== "string") return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}
