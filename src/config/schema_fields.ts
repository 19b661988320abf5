import { z } from "zod";
import { type ConfigIssue, formatPath } from "./errors.ts";

/**
 * The zod machinery the configuration schemas share: fields that carry their hint (and whether
 * they are secret) beside their type, and the translation of zod's issues into the messages a
 * user reads (`dnb_api.timeout: must be greater than 0, got number -1 (seconds one request may
 * take, e.g. 30)`). `schema.ts` and `alerts_schema.ts` both use it, so the whole file reports
 * its problems in one voice.
 */

/** What an error message says about a field, next to the field so the two stay in step. */
export interface FieldInfo {
  /** What is expected, shown in parentheses after the problem. */
  hint: string;
  /** Never echo the value in a message. */
  secret?: boolean;
}

/** Options of `field` and `required`. */
export interface FieldOptions {
  /** Never echo the value in a message. */
  secret?: boolean;
}

const fieldInfo = z.registry<FieldInfo>();

/** An optional field (`null` counts as absent) with its hint. */
export function field<T extends z.ZodType>(
  schema: T,
  hint: string,
  options: FieldOptions = {},
): z.ZodOptional<z.ZodNullable<T>> {
  const optional = schema.nullish();
  fieldInfo.add(optional, { hint, secret: options.secret });
  return optional;
}

/** A field that must be given, with its hint. */
export function required<T extends z.ZodType>(
  schema: T,
  hint: string,
  options: FieldOptions = {},
): T {
  fieldInfo.add(schema, { hint, secret: options.secret });
  return schema;
}

/** A string checked by `problem`, which returns what is wrong or null. */
export function checkedString(problem: (value: string) => string | null): z.ZodString {
  return z.string().check((context) => {
    const message = problem(context.value);
    if (message !== null) context.issues.push({ code: "custom", message, input: context.value });
  });
}

/** Options of `issueTranslator`. */
export interface IssueTranslatorOptions {
  /** Where the root schema sits in the file (`["alerts"]`); paths in messages start with it. */
  prefix?: readonly PropertyKey[];
  /** Add `; put it in quotes` when a number or true/false stands where a string belongs. */
  quoteHint?: boolean;
  /** Add `; did you mean …?` to an unknown key that is close to a known one. */
  suggestKeys?: boolean;
}

/** Zod's issues in user terms, for one root schema. */
export interface IssueTranslator {
  /** One zod issue as the messages a user reads, paths from the file's root. */
  translate(issue: z.core.$ZodIssue): ConfigIssue[];
  /** The hint of the field at a path below the root schema ("" when it has none). */
  hintAt(path: readonly PropertyKey[]): string;
  /** The keys the mapping at a path below the root schema allows. */
  knownKeysAt(path: readonly PropertyKey[]): string[];
}

/** Translates the issues of `root`, which sits at `options.prefix` in the file. */
export function issueTranslator(
  root: z.ZodType,
  options: IssueTranslatorOptions = {},
): IssueTranslator {
  const prefix = options.prefix ?? [];
  const wording = {
    quoteHint: options.quoteHint ?? true,
    suggestKeys: options.suggestKeys ?? true,
  };

  /** The schema at a path below the root, and whether any part of that path is secret. */
  function schemaAt(path: readonly PropertyKey[]): { schema?: z.ZodType; secret: boolean } {
    let schema: z.ZodType | undefined = root;
    let secret = false;
    for (const segment of path) {
      const container = unwrap(schema);
      if (container instanceof z.ZodObject && typeof segment === "string") {
        schema = container.shape[segment] as z.ZodType | undefined;
      } else if (container instanceof z.ZodArray && typeof segment === "number") {
        schema = container.element as z.ZodType;
      } else {
        schema = undefined;
      }
      if (schema === undefined) break;
      secret ||= fieldInfo.get(schema)?.secret === true;
    }
    return { schema, secret };
  }

  function infoAt(path: readonly PropertyKey[]): { hint?: string; secret: boolean } {
    const { schema, secret } = schemaAt(path);
    return { hint: schema ? fieldInfo.get(schema)?.hint : undefined, secret };
  }

  function hintAt(path: readonly PropertyKey[]): string {
    return infoAt(path).hint ?? "";
  }

  function knownKeysAt(path: readonly PropertyKey[]): string[] {
    const container = unwrap(schemaAt(path).schema);
    return container instanceof z.ZodObject ? Object.keys(container.shape) : [];
  }

  function translate(issue: z.core.$ZodIssue): ConfigIssue[] {
    const path = formatPath([...prefix, ...issue.path]);
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(issue.path);
      return issue.keys.map((key) => ({
        path: path === "" ? key : `${path}.${key}`,
        message: unknownKeyMessage(key, known, wording.suggestKeys),
      }));
    }
    const info = infoAt(issue.path);
    const problem = describeProblem(issue, info.secret, wording.quoteHint);
    const hint = issue.code === "invalid_value" || !info.hint ? "" : ` (${info.hint})`;
    return [{ path, message: problem + hint }];
  }

  return { translate, hintAt, knownKeysAt };
}

/** Whether a value is a YAML mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeProblem(issue: z.core.$ZodIssue, secret: boolean, quoteHint: boolean): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "missing";
      const expected = EXPECTED_LABELS[issue.expected] ?? issue.expected;
      const got = describeValue(issue.input, secret);
      const quoteIt = quoteHint && issue.expected === "string" &&
        (typeof issue.input === "number" || typeof issue.input === "boolean");
      return `expected ${expected}, got ${got}${quoteIt ? "; put it in quotes" : ""}`;
    }
    case "too_small": {
      if (issue.origin === "array") return `must have at least ${issue.minimum} items`;
      if (issue.origin === "string") {
        return Number(issue.minimum) === 1
          ? "must not be empty"
          : `must have at least ${issue.minimum} characters`;
      }
      const bound = issue.inclusive ? "at least" : "greater than";
      return `must be ${bound} ${issue.minimum}${gotSuffix(issue.input, secret)}`;
    }
    case "too_big": {
      if (issue.origin === "array") return `must have at most ${issue.maximum} items`;
      const bound = issue.inclusive ? "at most" : "less than";
      return `must be ${bound} ${issue.maximum}${gotSuffix(issue.input, secret)}`;
    }
    case "invalid_value": {
      const allowed = issue.values.map(String).join(", ");
      const value = secret ? "" : ` ${JSON.stringify(issue.input)}`;
      return `unknown value${value} (expected one of: ${allowed})`;
    }
    case "custom":
      return issue.message;
    default:
      return `has the wrong form${gotSuffix(issue.input, secret)}`;
  }
}

const EXPECTED_LABELS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
};

function gotSuffix(input: unknown, secret: boolean): string {
  return secret || input === undefined ? "" : `, got ${describeValue(input, false)}`;
}

function describeValue(value: unknown, secret: boolean): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (secret) return `a ${typeof value}`;
  if (typeof value === "string") return `string ${JSON.stringify(truncate(value))}`;
  return `${typeof value} ${String(value)}`;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

function unknownKeyMessage(key: string, known: string[], suggest: boolean): string {
  const close = suggest ? closestKey(key, known) : undefined;
  const suggestion = close === undefined ? "" : `; did you mean ${close}?`;
  return `unknown key (expected one of: ${known.join(", ")}${suggestion})`;
}

function closestKey(key: string, known: string[]): string | undefined {
  const squash = (name: string) => name.toLowerCase().replace(/[-_\s]/g, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = squash(candidate) === squash(key) ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.min(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}
