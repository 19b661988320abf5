/**
 * What this process knows about D&B's clock. D&B stamps `deliveryTimeStamp` by its own clock
 * (dnb-direct-plus.md §3.2), and the pacing and recovery of pulls reason in D&B seconds, so the
 * client keeps bounds on `offset = D&B time − local time` from what responses show: the `Date`
 * header (whole seconds), `transactionTimestamp` and delivery stamps (milliseconds). Each such
 * instant happened at D&B between sending the request and receiving the answer, which bounds the
 * offset from both sides; the tightest bounds of the recent samples are kept. What matters is the
 * clock that stamps, so transaction times and stamps win over `Date`, which may come from another
 * machine.
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
/**
 * How far D&B's application clock (transaction times, delivery stamps) may be from the clock of
 * its HTTP front (`Date`): they may be different machines. A `Date` header only narrows the
 * estimate to this until an answer with a transaction time arrives.
 */
export const EDGE_SKEW_MS = 5_000;
/** Recent samples only, so a clock that drifts or is stepped is followed. */
const SAMPLES_KEPT = 32;

/** Bounds from below and from above, each list oldest first. */
class SampleSet {
  readonly lowers: number[] = [];
  readonly uppers: number[] = [];

  add(lower: number, upper: number): void {
    const current = this.bounds();
    // Samples that contradict the others mean a clock was stepped: start over from this one.
    if (
      (current.lower !== null && upper < current.lower) ||
      (current.upper !== null && lower > current.upper)
    ) {
      this.lowers.length = 0;
      this.uppers.length = 0;
    }
    if (Number.isFinite(lower)) keep(this.lowers, lower);
    if (Number.isFinite(upper)) keep(this.uppers, upper);
  }

  bounds(): { lower: number | null; upper: number | null } {
    return {
      lower: this.lowers.length > 0 ? Math.max(...this.lowers) : null,
      upper: this.uppers.length > 0 ? Math.min(...this.uppers) : null,
    };
  }
}

export class DnbClock {
  /** Delivery stamps: the clock that matters, seen from below only. */
  readonly #stamps = new SampleSet();
  /** Transaction times: D&B's, but perhaps a gateway's clock rather than the stamping one. */
  readonly #transactions = new SampleSet();
  /** The clock behind `Date` headers. */
  readonly #edge = new SampleSet();
  /** The local clock every sample and bound is measured against. */
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Observes an HTTP `Date` header: the second D&B's front was in while answering. */
  observeDateHeader(value: string | null, timing: { sentAt: number; receivedAt: number }): void {
    if (value === null) return;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return;
    add(this.#edge, { ...timing, dnbEarliest: ms, dnbLatest: ms + 999 });
  }

  /** Observes a millisecond D&B instant taken while serving the request (a transaction time). */
  observeInstant(iso: string | null | undefined, timing: { sentAt: number; receivedAt: number }) {
    const ms = parse(iso);
    if (ms !== null) add(this.#transactions, { ...timing, dnbEarliest: ms, dnbLatest: ms });
  }

  /** Observes a D&B instant known only to precede the answer (a delivery stamp). */
  observeLowerBound(
    iso: string | null | undefined,
    timing: { sentAt: number; receivedAt: number },
  ) {
    const ms = parse(iso);
    if (ms !== null) {
      add(this.#stamps, { ...timing, dnbEarliest: ms, dnbLatest: Number.POSITIVE_INFINITY });
    }
  }

  /**
   * Bounds on the clock that stamps `deliveryTimeStamp`. From below, which is what keeps pages
   * apart and recovery early enough: the stamps themselves, else another clock of D&B's widened
   * by `EDGE_SKEW_MS`, else a guess. From above: transaction times, else `Date`.
   */
  bounds(): OffsetBounds {
    const stamps = this.#stamps.bounds();
    const transactions = this.#transactions.bounds();
    const edge = this.#edge.bounds();
    const widenedLower = transactions.lower ?? edge.lower;
    const lower = stamps.lower ??
      (widenedLower === null ? -UNMEASURED_SKEW_MS : widenedLower - EDGE_SKEW_MS);
    // Only the lower bound guards a page: an upper bound that is off delays or hastens a replay
    // that finds the page either way.
    const upper = transactions.upper ?? edge.upper ?? UNMEASURED_SKEW_MS;
    const measured = [stamps.lower, transactions.lower, transactions.upper, edge.lower, edge.upper]
      .some((bound) => bound !== null);
    return { lower, upper: Math.max(lower, upper), measured };
  }
}

function add(set: SampleSet, sample: ClockSample): void {
  const lower = sample.dnbEarliest - sample.receivedAt;
  const upper = sample.dnbLatest - sample.sentAt;
  if (Number.isNaN(lower) || Number.isNaN(upper) || lower > upper) return;
  set.add(lower, upper);
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
