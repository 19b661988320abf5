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
}

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
