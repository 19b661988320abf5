/**
 * The leaves a structured value changed. D&B sends some elements whole — an object
 * (`organization.dnbAssessment.failureScore`) or an array (`organization.businessTrading`, the
 * paydex inside it) — and a SEED carries the whole organization; a rule names the leaf it cares
 * about (`organization.dnbAssessment.failureScore.nationalPercentile`,
 * `organization.businessTrading[0].summary[0].paydexScore`), so matching looks inside.
 */

/** One scalar (or empty object or array) that differs between `previous` and `current`. */
export interface LeafChange {
  /** Objects by `.member`, arrays by `[index]`, as D&B writes element paths. */
  path: string;
  previous: unknown;
  current: unknown;
  /** Whether there was a previous value at all (a SEED, a new member: no). */
  hasPrevious: boolean;
}

/** The leaves under `path` whose values differ; a scalar that differs is its own one leaf. */
export function leafChanges(
  path: string,
  values: { previous: unknown; current: unknown; hasPrevious: boolean },
): LeafChange[] {
  const { previous, current, hasPrevious } = values;
  if (!isStructured(previous) && !isStructured(current)) {
    return hasPrevious && sameValue(previous, current) ? [] : [{ path, ...values }];
  }
  const keys = new Set([...keysOf(previous), ...keysOf(current)]);
  const changes: LeafChange[] = [];
  for (const key of keys) {
    const inner = Array.isArray(current ?? previous) ? `${path}[${key}]` : `${path}.${key}`;
    const before = childOf(previous, key);
    changes.push(...leafChanges(inner, {
      previous: before.value,
      current: childOf(current, key).value,
      hasPrevious: hasPrevious && before.present,
    }));
  }
  return changes;
}

/** A non-empty object or array: what has leaves inside. */
export function isStructured(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === "object" && value !== null &&
    (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
}

function keysOf(value: unknown): string[] {
  return isStructured(value) ? Object.keys(value) : [];
}

function childOf(value: unknown, key: string): { present: boolean; value: unknown } {
  if (!isStructured(value) || !Object.hasOwn(value, key)) return { present: false, value: null };
  return { present: true, value: (value as Record<string, unknown>)[key] };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
