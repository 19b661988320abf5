import { Cron } from "croner";

/**
 * The only module that imports `croner`: checking `monitoring.schedule` before `run` hands it to
 * Deno.cron, and computing its next runs for people to read.
 *
 * Deno.cron and croner speak different dialects of 5-field cron, so croner alone would pass what
 * Deno.cron refuses (`?`, `+MON`, `@daily`, `007`, `*\/60`, weekday 0 or 8) and refuse what
 * Deno.cron runs (`5/15`, the wrap-around range `22-2`). So the schedule is read here with
 * Deno.cron's rules (its `ext/cron/cron.rs`), then handed to croner spelt in croner's terms with
 * the same meaning, and croner must accept that too. `tests/config/cron_schedule_test.ts` checks
 * a table of expressions against the real Deno.cron.
 */

/** A schedule Deno.cron accepts. */
export interface CronSchedule {
  /** As written. */
  expression: string;
  /** The same schedule in croner's syntax (Quartz weekday numbers, 1 = Sunday). */
  pattern: string;
  /**
   * False when croner cannot say the same thing (`L-3`, `L-3W`: days before the month's end),
   * so its next runs would be wrong; the expression is still valid.
   */
  exact: boolean;
  /** The day-of-week field uses numbers, which Deno.cron counts from 1 = Sunday. */
  numericWeekdays: boolean;
}

/** The outcome of `parseCronSchedule`. */
export type CronScheduleParse =
  | { ok: true; schedule: CronSchedule }
  | { ok: false; problem: string };

/** Options of `nextCronRuns`. */
export interface NextCronRunsOptions {
  /** Runs strictly after this instant; defaults to now. */
  from?: Date;
  /** How many; defaults to 1. */
  count?: number;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  maxStep: number;
  /** What a value may be, for messages. */
  expected: string;
  names?: readonly string[];
  /** Names count from `min` for months; for weekdays SUN is 0 while the number 1 is Sunday. */
  nameBase: number;
  /** The number croner's Quartz-mode pattern uses for an internal value. */
  emit: (value: number) => number;
}

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
] as const;
const WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const same = (value: number) => value;

const MINUTE: FieldSpec = {
  name: "minute",
  min: 0,
  max: 59,
  maxStep: 59,
  expected: "0-59",
  nameBase: 0,
  emit: same,
};
const HOUR: FieldSpec = {
  name: "hour",
  min: 0,
  max: 23,
  maxStep: 23,
  expected: "0-23",
  nameBase: 0,
  emit: same,
};
const DAY_OF_MONTH: FieldSpec = {
  name: "day-of-month",
  min: 1,
  max: 31,
  maxStep: 30,
  expected: "1-31",
  nameBase: 1,
  emit: same,
};
const MONTH: FieldSpec = {
  name: "month",
  min: 1,
  max: 12,
  maxStep: 11,
  expected: "1-12 or JAN-DEC",
  names: MONTH_NAMES,
  nameBase: 1,
  emit: same,
};
// Internally 0 = Sunday … 6 = Saturday, as Deno.cron keeps it; croner runs in Quartz mode, where
// the numbers are the ones Deno.cron reads (1 = Sunday … 7 = Saturday).
const DAY_OF_WEEK: FieldSpec = {
  name: "day-of-week",
  min: 0,
  max: 6,
  maxStep: 6,
  expected: "1-7 with 1 = Sunday, or SUN-SAT",
  names: WEEKDAY_NAMES,
  nameBase: 0,
  emit: (value) => value + 1,
};

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * SUN",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** A field Deno.cron would refuse; caught in `parseCronSchedule`, never thrown out of it. */
class FieldProblem extends Error {
  override name = "FieldProblem";
}

interface FieldResult {
  text: string;
  exact: boolean;
}

/** Reads a schedule with Deno.cron's rules; the problem says which field is wrong and why. */
export function parseCronSchedule(expression: string): CronScheduleParse {
  const fail = (problem: string): CronScheduleParse => ({
    ok: false,
    problem: `${JSON.stringify(expression)} is not a schedule Deno.cron accepts: ${problem}`,
  });
  if (expression.trim() !== expression) return fail("it starts or ends with whitespace");
  if (/[\n\v\f\r]/.test(expression)) {
    return fail("it holds a line break or other whitespace; separate the fields with spaces");
  }
  if (expression.includes("?")) return fail('there is no "?"; write "*"');
  if (expression.includes("+")) {
    return fail('there is no "+"; day-of-month and day-of-week are or-ed');
  }
  const nickname = NICKNAMES[expression.toLowerCase()];
  if (nickname) return fail(`there are no @ nicknames; write "${nickname}"`);
  const fields = expression.split(/[ \t]+/).filter((field) => field !== "");
  if (fields.length !== 5) {
    return fail(
      `it has ${fields.length} field${fields.length === 1 ? "" : "s"}, not 5` +
        (fields.length === 6 ? " (there is no seconds field)" : ""),
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  let parts: FieldResult[];
  try {
    parts = [
      manyField(minute, MINUTE),
      manyField(hour, HOUR),
      dayOfMonthField(dayOfMonth),
      manyField(month, MONTH),
      dayOfWeekField(dayOfWeek),
    ];
  } catch (error) {
    if (error instanceof FieldProblem) return fail(error.message);
    throw error;
  }
  const pattern = parts.map((part) => part.text).join(" ");
  try {
    newCron(pattern);
  } catch (error) {
    // Only when the translation above is wrong: say so rather than accept blindly.
    const reason = error instanceof Error ? error.message : String(error);
    return fail(`croner refuses it as ${JSON.stringify(pattern)}: ${reason}`);
  }
  return {
    ok: true,
    schedule: {
      expression,
      pattern,
      exact: parts.every((part) => part.exact),
      numericWeekdays: dayOfWeek !== "*" && /[0-9]/.test(dayOfWeek.replace(/#[0-9]*$/, "")),
    },
  };
}

/** What is wrong with a schedule for Deno.cron, or null when it accepts it. */
export function cronScheduleProblem(expression: string): string | null {
  const parsed = parseCronSchedule(expression);
  return parsed.ok ? null : parsed.problem;
}

/**
 * The next runs of a schedule (UTC, as Deno.cron fires), or null when the schedule is invalid or
 * croner cannot compute it exactly.
 */
export function nextCronRuns(expression: string, options: NextCronRunsOptions = {}): Date[] | null {
  const parsed = parseCronSchedule(expression);
  if (!parsed.ok || !parsed.schedule.exact) return null;
  return newCron(parsed.schedule.pattern).nextRuns(options.count ?? 1, options.from ?? new Date());
}

// Without a function croner schedules nothing: it only evaluates the pattern.
function newCron(pattern: string): Cron {
  return new Cron(pattern, { mode: "5-part", timezone: "UTC", alternativeWeekdays: true });
}

function dayOfMonthField(text: string): FieldResult {
  if (text === "*" || text === "L" || text === "LW") return { text, exact: true };
  if (text.startsWith("L-")) {
    const offset = text.slice(2);
    const weekday = offset.endsWith("W");
    number(weekday ? offset.slice(0, -1) : offset, { min: 1, max: 30 }, "day-of-month after L-");
    // croner has no offset from the month's end; the nearest form it knows keeps it a pattern.
    return { text: weekday ? "LW" : "L", exact: false };
  }
  if (text.endsWith("W")) {
    const day = number(text.slice(0, -1), DAY_OF_MONTH, "day-of-month");
    return { text: `${day}W`, exact: true };
  }
  return manyField(text, DAY_OF_MONTH);
}

function dayOfWeekField(text: string): FieldResult {
  const spec = DAY_OF_WEEK;
  if (text === "*") return { text, exact: true };
  // Deno.cron reads a lone L in day-of-week as Saturday, the last day of the week.
  if (text === "L") return { text: String(spec.emit(6)), exact: true };
  if (text.endsWith("L")) {
    return { text: `${spec.emit(value(text.slice(0, -1), spec))}L`, exact: true };
  }
  const hash = text.indexOf("#");
  if (hash >= 0) {
    const day = value(text.slice(0, hash), spec);
    const nth = number(text.slice(hash + 1), { min: 1, max: 5 }, "day-of-week after #");
    return { text: `${spec.emit(day)}#${nth}`, exact: true };
  }
  return manyField(text, spec);
}

/** A list of values, ranges and steps, as Deno.cron reads them (wrap-around ranges included). */
function manyField(text: string, spec: FieldSpec): FieldResult {
  if (text === "*") return { text, exact: true };
  const parts = text.split(",").map((part) => {
    if (part === "") {
      throw new FieldProblem(`${spec.name}: the list ${JSON.stringify(text)} has an empty item`);
    }
    return listItem(part, spec);
  });
  return { text: parts.join(","), exact: true };
}

function listItem(part: string, spec: FieldSpec): string {
  const slash = part.indexOf("/");
  const base = slash >= 0 ? part.slice(0, slash) : part;
  const step = slash >= 0
    ? number(part.slice(slash + 1), { min: 1, max: spec.maxStep }, `${spec.name} step`)
    : null;
  let start: number;
  let end: number;
  const dash = base.indexOf("-");
  if (base === "*") {
    [start, end] = [spec.min, spec.max];
  } else if (dash >= 0) {
    [start, end] = [value(base.slice(0, dash), spec), value(base.slice(dash + 1), spec)];
  } else {
    start = value(base, spec);
    end = step === null ? start : spec.max;
  }
  const out = spec.emit;
  if (step !== null) {
    // A step walks on across the wrap, from the literal start (as Deno.cron does).
    const values = start <= end
      ? span(start, end)
      : [...span(start, spec.max), ...span(spec.min, end)];
    return values.filter((_, index) => index % step === 0).map(out).join(",");
  }
  if (start === end) return String(out(start));
  if (start < end) return `${out(start)}-${out(end)}`;
  // Deno.cron (after saffron) starts a plain wrap-around range one value early: 22-2 in hours
  // is 21-23 and 0-2. Odd, but it is what runs.
  return `${out(start - 1)}-${out(spec.max)},${out(spec.min)}-${out(end)}`;
}

function span(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/** One value of a field: a number or, for months and weekdays, a name. */
function value(text: string, spec: FieldSpec): number {
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return spec.nameBase + index;
  if (spec === DAY_OF_WEEK) {
    const day = number(text, { min: 1, max: 7 }, spec.name, spec.expected);
    return day - 1;
  }
  return number(text, spec, spec.name, spec.expected);
}

function number(
  text: string,
  range: { min: number; max: number },
  what: string,
  expected = `${range.min}-${range.max}`,
): number {
  if (text === "" || !/^[0-9]+$/.test(text)) {
    throw new FieldProblem(`${what}: ${JSON.stringify(text)} is not ${expected}`);
  }
  if (text.length > 2) {
    throw new FieldProblem(`${what}: ${JSON.stringify(text)} has more than two digits`);
  }
  const parsed = Number(text);
  if (parsed < range.min || parsed > range.max) {
    throw new FieldProblem(`${what}: ${parsed} is out of range (${expected})`);
  }
  return parsed;
}
