import { type ConfigIssue, formatPath } from "./errors.ts";

/** Reads one environment variable; `undefined` when it is not set. */
export type EnvReader = (name: string) => string | undefined;

/**
 * Turns the text of a substituted scalar back into a typed value (number, boolean, …) the way
 * the YAML file would have, given the key path it sits at.
 */
export type ScalarReader = (text: string, path: readonly PropertyKey[]) => unknown;

/** Options of `substituteEnv`. */
export interface SubstituteEnvOptions {
  env: EnvReader;
  /** Used when a scalar is exactly one `${…}`; without it the substituted text stays a string. */
  readScalar?: ScalarReader;
}

/** The tree with every reference replaced, and a problem for every reference that could not be. */
export interface SubstitutionResult {
  value: unknown;
  /** A scalar with a problem keeps its original text, so later checks can skip its path. */
  issues: ConfigIssue[];
}

const REFERENCE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([\s\S]*))?$/;

/**
 * Replaces `${VAR}`, `${VAR:-default}` and `${VAR:?message}` in every string scalar of a parsed
 * YAML tree; `$${` stands for a literal `${`. Keys are left alone: a key names a setting and
 * must be checkable without the environment. As in POSIX shell, a set-but-empty variable counts
 * as set for `${VAR}` and as unset for `:-` and `:?`.
 */
export function substituteEnv(tree: unknown, options: SubstituteEnvOptions): SubstitutionResult {
  const issues: ConfigIssue[] = [];
  const value = walk(tree, [], { ...options, issues });
  return { value, issues };
}

interface WalkContext extends SubstituteEnvOptions {
  issues: ConfigIssue[];
}

function walk(node: unknown, path: PropertyKey[], context: WalkContext): unknown {
  if (typeof node === "string") return substituteScalar(node, path, context);
  if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index], context));
  if (isPlainObject(node)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) {
      result[key] = walk(item, [...path, key], context);
    }
    return result;
  }
  return node;
}

function substituteScalar(text: string, path: PropertyKey[], context: WalkContext): unknown {
  if (!text.includes("$")) return text;
  const problems: string[] = [];
  const expanded = expand(text, { env: context.env, problems });
  if (problems.length > 0) {
    const where = formatPath(path);
    for (const message of problems) context.issues.push({ path: where, message });
    return text;
  }
  // Only a lone reference takes a type from its value: in `url: "https://${HOST}:${PORT}"` the
  // result is plainly text, while `port: ${SFTP_PORT:-22}` should be the number 22.
  if (expanded.wholeReference && expanded.text !== "" && context.readScalar) {
    return context.readScalar(expanded.text, path);
  }
  return expanded.text;
}

interface Expansion {
  text: string;
  /** The input was exactly one `${…}` and nothing else. */
  wholeReference: boolean;
}

interface ExpandContext {
  env: EnvReader;
  problems: string[];
}

function expand(text: string, context: ExpandContext): Expansion {
  let out = "";
  let references = 0;
  let literal = false;
  let index = 0;
  while (index < text.length) {
    if (text.startsWith("$${", index)) {
      out += "${";
      literal = true;
      index += 3;
      continue;
    }
    if (!text.startsWith("${", index)) {
      out += text[index];
      literal = true;
      index += 1;
      continue;
    }
    const end = findClosingBrace(text, index + 2);
    if (end === -1) {
      context.problems.push(
        `unterminated "\${" (close it with "}", or write "$\${" for a literal "\${")`,
      );
      return { text, wholeReference: false };
    }
    out += resolveReference(text.slice(index + 2, end), context);
    references += 1;
    index = end + 1;
  }
  return { text: out, wholeReference: references === 1 && !literal };
}

/** The index of the `}` closing a reference whose body starts at `from`; defaults may nest. */
function findClosingBrace(text: string, from: number): number {
  let depth = 1;
  let index = from;
  while (index < text.length) {
    if (text.startsWith("$${", index)) {
      index += 3;
    } else if (text.startsWith("${", index)) {
      depth += 1;
      index += 2;
    } else {
      if (text[index] === "}") {
        depth -= 1;
        if (depth === 0) return index;
      }
      index += 1;
    }
  }
  return -1;
}

function resolveReference(body: string, context: ExpandContext): string {
  const match = REFERENCE_BODY.exec(body);
  if (!match) {
    context.problems.push(
      `invalid variable reference "\${${body}}" (write \${NAME}, \${NAME:-default} or \${NAME:?message}; NAME is letters, digits and _)`,
    );
    return "";
  }
  const [, name, operator, word = ""] = match;
  let value: string | undefined;
  try {
    value = context.env(name);
  } catch (error) {
    context.problems.push(
      `cannot read environment variable ${name}: ${
        errorName(error)
      } (allow reading it, e.g. --allow-env)`,
    );
    return "";
  }
  if (operator === undefined) {
    if (value !== undefined) return value;
    context.problems.push(
      `environment variable ${name} is not set (set it, or give a default: \${${name}:-value})`,
    );
    return "";
  }
  if (value !== undefined && value !== "") return value;
  if (operator === ":-") return expand(word, context).text;
  const state = value === undefined ? "is not set" : "is empty";
  context.problems.push(word === "" ? `${name} ${state}` : `${name} ${state}: ${word}`);
  return "";
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
