/**
 * Fault settings: what `/_sim/faults` can switch on so a client meets every failure D&B can
 * produce (dnb-direct-plus.md §7.7). `failNext`/`hangNext` are deterministic, for tests that must
 * not depend on chance.
 */

export interface FailRule {
  status: number;
  errorCode: string;
  count: number;
  /** Only requests whose path contains this are affected. */
  pathIncludes?: string;
}

export interface HangRule {
  count: number;
  pathIncludes?: string;
}

/**
 * How a pull response is lost after D&B dequeued its notifications: the connection reset before
 * any byte, a hang past the client's timeout, a 5xx, or the body cut off half-way. The
 * notifications are then only in the replay log, as with the real API (dnb-direct-plus.md §3.2).
 */
export type LossKind = "reset" | "hang" | "error" | "truncate";

export const LOSS_KINDS: readonly LossKind[] = ["reset", "hang", "error", "truncate"];

export interface LossRule {
  /**
   * Share of non-empty pull responses lost, 0 to 1, spread evenly (every 1/rate-th pull), so a
   * run of n pulls loses n × rate of them whatever the timing.
   */
  rate: number;
  /** Which kinds, in turn; default all four. */
  kinds: LossKind[];
  /** Only these registrations; default all. */
  registrations?: string[];
  /** Progress of the spreading: the fraction of a loss owed, and losses so far. */
  owed: number;
  lost: number;
}

export interface LoseNextRule {
  count: number;
  kind: LossKind;
  /** Only pulls of this registration. */
  registration?: string;
}

export interface Faults {
  /** Requests per second; 0 turns the limit off. */
  rateLimit: number;
  /** Share of API requests answered 500 `00034` or 503 `00002`. */
  errorRate: number;
  latencyMs: number;
  /** Share of API requests that hang until the client gives up. */
  timeoutRate: number;
  /** Share of generated notifications that break one structural rule. */
  malformedRate: number;
  /** Lifetime of newly issued tokens, in seconds. */
  tokenLifetime: number;
  /** D&B sends no Retry-After as far as anyone saw; off unless set. */
  retryAfterSeconds: number | null;
  failNext: FailRule[];
  hangNext: HangRule | null;
  /** Pull responses lost after dequeue, at a rate. */
  lostAfterDequeue: LossRule | null;
  /** The next pull responses lost after dequeue, deterministically. */
  loseNext: LoseNextRule | null;
  /** The simulator's clock against the client's, in ms (either sign). */
  clockSkewMs: number;
  /**
   * The next pulls ignore `maxNotifications` and hand over up to `notifications` each, the way
   * a misbehaving gateway might: the client must not trust, or choke on, more than it asked.
   */
  overfillNext: OverfillRule | null;
  /**
   * Refused token requests echo the credentials they presented in the error text, as some
   * gateways do: a client must never print what comes back unmasked.
   */
  echoCredentials: boolean;
  /**
   * The one verb the export call answers (405 for the other), or `any`: D&B's verb is unknown
   * (dnb-direct-plus.md §2.0, "TO uses GET, unverified"), so a client must cope with either.
   */
  exportVerb: "any" | "GET" | "POST";
  /**
   * The next this many pull and replay answers are sent in ISO-8859-1 though labelled UTF-8, as
   * a misconfigured gateway might: each "é" becomes the single byte 0xE9, which is not UTF-8.
   */
  latin1Next: number;
}

export interface OverfillRule {
  count: number;
  notifications: number;
}

/** What `PUT /_sim/faults` takes: any subset, with the loss rules in their short form. */
export type FaultsPatch =
  & Partial<Omit<Faults, "lostAfterDequeue" | "loseNext">>
  & {
    lostAfterDequeue?: { rate: number; kinds?: LossKind[]; registrations?: string[] } | null;
    loseNext?: { kind: LossKind; count?: number; registration?: string } | null;
    overfillNext?: { notifications: number; count?: number } | null;
  };

export class FaultPatchError extends Error {
  override name = "FaultPatchError";
}

export function defaultFaults(rateLimit: number, tokenLifetime: number): Faults {
  return {
    rateLimit,
    errorRate: 0,
    latencyMs: 0,
    timeoutRate: 0,
    malformedRate: 0,
    tokenLifetime,
    retryAfterSeconds: null,
    failNext: [],
    hangNext: null,
    lostAfterDequeue: null,
    loseNext: null,
    clockSkewMs: 0,
    overfillNext: null,
    echoCredentials: false,
    exportVerb: "any",
    latin1Next: 0,
  };
}

function number(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > max) {
    throw new FaultPatchError(`${name} must be a number between 0 and ${max}`);
  }
  return value;
}

function count(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new FaultPatchError(`${name} must be a positive integer`);
  }
  return value as number;
}

function pathIncludes(value: unknown, name: string): { pathIncludes?: string } {
  if (value === undefined) return {};
  if (typeof value !== "string") throw new FaultPatchError(`${name} must be a string`);
  return { pathIncludes: value };
}

function lossKind(value: unknown, name: string): LossKind {
  if (!(LOSS_KINDS as readonly unknown[]).includes(value)) {
    throw new FaultPatchError(`${name} must be one of ${LOSS_KINDS.join(", ")}`);
  }
  return value as LossKind;
}

function record(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new FaultPatchError(`${name} must be an object or null`);
  }
  return value as Record<string, unknown>;
}

function lossRule(value: unknown): LossRule | null {
  if (value === null) return null;
  const rule = record(value, "lostAfterDequeue");
  const kinds = rule.kinds === undefined ? [...LOSS_KINDS] : rule.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0) {
    throw new FaultPatchError("lostAfterDequeue.kinds must be a non-empty list");
  }
  const registrations = rule.registrations;
  if (
    registrations !== undefined &&
    !(Array.isArray(registrations) && registrations.every((r) => typeof r === "string"))
  ) {
    throw new FaultPatchError("lostAfterDequeue.registrations must be a list of references");
  }
  return {
    rate: number(rule.rate, "lostAfterDequeue.rate", 1),
    kinds: kinds.map((kind, i) => lossKind(kind, `lostAfterDequeue.kinds[${i}]`)),
    ...(registrations === undefined ? {} : { registrations: registrations as string[] }),
    owed: 0,
    lost: 0,
  };
}

function loseNextRule(value: unknown): LoseNextRule | null {
  if (value === null) return null;
  const rule = record(value, "loseNext");
  if (rule.registration !== undefined && typeof rule.registration !== "string") {
    throw new FaultPatchError("loseNext.registration must be a string");
  }
  return {
    count: rule.count === undefined ? 1 : count(rule.count, "loseNext.count"),
    kind: lossKind(rule.kind, "loseNext.kind"),
    ...(rule.registration === undefined ? {} : { registration: rule.registration as string }),
  };
}

function failRule(value: unknown, index: number): FailRule {
  const name = `failNext[${index}]`;
  if (value === null || typeof value !== "object") {
    throw new FaultPatchError(`${name} must be an object`);
  }
  const rule = value as Record<string, unknown>;
  if (
    !Number.isInteger(rule.status) || (rule.status as number) < 400 || (rule.status as number) > 599
  ) {
    throw new FaultPatchError(`${name}.status must be an HTTP error status (400-599)`);
  }
  if (typeof rule.errorCode !== "string") {
    throw new FaultPatchError(`${name}.errorCode must be a string such as "00034"`);
  }
  return {
    status: rule.status as number,
    errorCode: rule.errorCode,
    count: rule.count === undefined ? 1 : count(rule.count, `${name}.count`),
    ...pathIncludes(rule.pathIncludes, `${name}.pathIncludes`),
  };
}

/** Applies a partial update; unknown keys are refused so a typo does not pass silently. */
export function patchFaults(current: Faults, patch: unknown): Faults {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
    throw new FaultPatchError("faults must be a JSON object");
  }
  const next: Faults = { ...current, failNext: [...current.failNext] };
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case "rateLimit":
      case "latencyMs":
      case "tokenLifetime":
        next[key] = number(value, key);
        break;
      case "errorRate":
      case "timeoutRate":
      case "malformedRate":
        next[key] = number(value, key, 1);
        break;
      case "retryAfterSeconds":
        next.retryAfterSeconds = value === null ? null : number(value, key);
        break;
      case "clockSkewMs":
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new FaultPatchError("clockSkewMs must be a number of milliseconds (either sign)");
        }
        next.clockSkewMs = value;
        break;
      case "lostAfterDequeue":
        next.lostAfterDequeue = lossRule(value);
        break;
      case "loseNext":
        next.loseNext = loseNextRule(value);
        break;
      case "latin1Next":
        next.latin1Next = number(value, "latin1Next", 1_000);
        break;
      case "exportVerb":
        if (value !== "any" && value !== "GET" && value !== "POST") {
          throw new FaultPatchError('exportVerb must be "any", "GET" or "POST"');
        }
        next.exportVerb = value;
        break;
      case "echoCredentials":
        if (typeof value !== "boolean") {
          throw new FaultPatchError("echoCredentials must be true or false");
        }
        next.echoCredentials = value;
        break;
      case "overfillNext": {
        if (value === null) {
          next.overfillNext = null;
          break;
        }
        const rule = record(value, "overfillNext");
        next.overfillNext = {
          notifications: count(rule.notifications, "overfillNext.notifications"),
          count: rule.count === undefined ? 1 : count(rule.count, "overfillNext.count"),
        };
        break;
      }
      case "failNext":
        if (!Array.isArray(value)) throw new FaultPatchError("failNext must be an array");
        next.failNext = value.map(failRule);
        break;
      case "hangNext":
        if (value === null) {
          next.hangNext = null;
        } else if (typeof value === "object") {
          const rule = value as Record<string, unknown>;
          next.hangNext = {
            count: rule.count === undefined ? 1 : count(rule.count, "hangNext.count"),
            ...pathIncludes(rule.pathIncludes, "hangNext.pathIncludes"),
          };
        } else {
          throw new FaultPatchError("hangNext must be an object or null");
        }
        break;
      default:
        throw new FaultPatchError(`unknown fault setting: ${key}`);
    }
  }
  return next;
}

function matches(rule: { pathIncludes?: string }, path: string): boolean {
  return rule.pathIncludes === undefined || path.includes(rule.pathIncludes);
}

/** Consumes one use of the first matching forced error. */
export function takeFailRule(faults: Faults, path: string): FailRule | null {
  const index = faults.failNext.findIndex((rule) => matches(rule, path));
  if (index < 0) return null;
  const rule = faults.failNext[index];
  rule.count -= 1;
  if (rule.count <= 0) faults.failNext.splice(index, 1);
  return rule;
}

/** Consumes one forced hang if it applies to this path. */
export function takeHang(faults: Faults, path: string): boolean {
  const rule = faults.hangNext;
  if (rule === null || !matches(rule, path)) return false;
  rule.count -= 1;
  if (rule.count <= 0) faults.hangNext = null;
  return true;
}

/**
 * Whether this pull's response is lost, and how: the next-pulls rule first, then the rate. Only
 * called for a pull that dequeued something.
 */
export function takeLoss(faults: Faults, options: { registration: string }): LossKind | null {
  const next = faults.loseNext;
  if (
    next !== null && (next.registration === undefined || next.registration === options.registration)
  ) {
    next.count -= 1;
    if (next.count <= 0) faults.loseNext = null;
    return next.kind;
  }
  const rule = faults.lostAfterDequeue;
  if (rule === null) return null;
  if (rule.registrations && !rule.registrations.includes(options.registration)) return null;
  rule.owed += rule.rate;
  if (rule.owed < 1) return null;
  rule.owed -= 1;
  return rule.kinds[rule.lost++ % rule.kinds.length];
}

/** How many a pull hands over: `max`, or more while an overfill rule lasts. */
export function takeOverfill(faults: Faults, max: number): number {
  const rule = faults.overfillNext;
  if (rule === null) return max;
  rule.count -= 1;
  if (rule.count <= 0) faults.overfillNext = null;
  return Math.max(max, rule.notifications);
}
