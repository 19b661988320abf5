import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import process from "node:process";
import { type Document, isScalar, LineCounter, parseDocument, Scalar, stringify } from "yaml";
import type { Config } from "./config.ts";
import { type EnvReader, substituteEnv } from "./env_substitution.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { resolveConfig } from "./resolve.ts";
import { validateFileConfig } from "./schema.ts";

/**
 * The only module that imports `yaml`: reading a configuration file, and writing YAML for
 * `config show`.
 */

/** The configuration shipped with the program (simulator on, everything local). */
export const DEFAULT_CONFIG_PATH: string = fileURLToPath(
  new URL("../../config/default.yaml", import.meta.url),
);

/** Options of `loadConfig`; each defaults to the real process's. */
export interface LoadConfigOptions {
  env?: EnvReader;
  cwd?: string;
  /** What `~/` expands to; defaults to `$HOME` (or `%USERPROFILE%`), null when unknown. */
  home?: string | null;
}

/** Options of `parseConfig`. */
export interface ParseConfigOptions {
  /** Where the text came from, used in messages and `Config.source`; null for none. */
  source: string | null;
  env: EnvReader;
  cwd: string;
  home: string | null;
}

/**
 * Reads, substitutes, validates and resolves a configuration file. Throws `ConfigError` listing
 * every problem found.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? readProcessEnv;
  const cwd = options.cwd ?? Deno.cwd();
  const home = options.home !== undefined ? options.home : homeDirectory(env);
  let text: string;
  try {
    text = await Deno.readTextFile(resolve(cwd, path));
  } catch (error) {
    const kind = error instanceof Error ? error.name : "Error";
    throw new ConfigError([{
      path,
      message: `cannot read the configuration file (${kind}) (${
        READ_ADVICE[kind] ?? "check the file"
      })`,
    }], { source: path });
  }
  return parseConfig(text, { source: path, env, cwd, home });
}

const READ_ADVICE: Record<string, string> = {
  NotFound: "give an existing file with --config",
  IsADirectory: "give a file, not a directory, with --config",
  PermissionDenied: "make the file readable by this user",
  NotCapable: "allow reading it, e.g. --allow-read",
  InvalidData: "save it as UTF-8 text",
};

/** `loadConfig` without the file system: the same checks on text already read. */
export function parseConfig(text: string, options: ParseConfigOptions): Config {
  const where = options.source ?? "configuration";
  const { tree, document } = readYaml(text, options.source);
  const substituted = substituteEnv(tree, {
    env: options.env,
    readScalar: (value, path) => {
      // Quoting in the file means "this is text", whatever the variable holds.
      const node = document.getIn(path, true);
      return isScalar(node) && node.type !== Scalar.PLAIN ? value : readYamlScalar(value);
    },
  });
  const failed = substituted.issues.map((issue) => issue.path);
  const validation = validateFileConfig(substituted.value);
  const validationIssues = validation.ok ? [] : validation.issues
    // A reference that could not be substituted kept its `${…}` text; what the schema thinks of
    // that text is noise next to the real problem.
    .filter((issue) => !failed.some((path) => isWithin(issue.path, path)))
    .map((issue): ConfigIssue => issue.path === "" ? { ...issue, path: where } : issue);
  const issues = [...substituted.issues, ...validationIssues];
  if (issues.length > 0 || !validation.ok) {
    throw new ConfigError(issues, { source: options.source });
  }
  return resolveConfig(validation.config, {
    cwd: options.cwd,
    home: options.home,
    source: options.source,
  });
}

/**
 * Every environment variable the file's values reference, those in defaults included (so that
 * the permission to read them does not depend on which are set today). Keys and comments are
 * not looked at, as `loadConfig` does not.
 */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  const { tree } = readYaml(text, null);
  substituteEnv(tree, {
    env: (name) => {
      names.add(name);
      return undefined;
    },
  });
  return [...names].sort();
}

/**
 * Parses any YAML (or JSON) document a user hands over, e.g. a registration spec. A syntax error
 * is a `ConfigError` naming the line and column.
 */
export function parseYamlDocument(text: string, source: string | null): unknown {
  return readYaml(text, source).tree;
}

function readYaml(text: string, source: string | null): { tree: unknown; document: Document } {
  const where = source ?? "configuration";
  const lineCounter = new LineCounter();
  const document = quietly(() =>
    parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  );
  // Only the first syntax error: the parser's later ones are mostly echoes of it.
  const [syntaxError] = document.errors;
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new ConfigError([{
      path: where,
      message: `YAML syntax error at line ${line}, column ${col}: ${syntaxError.message}`,
    }], { source });
  }
  try {
    return { tree: document.toJS({ maxAliasCount: 100 }) ?? {}, document };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: where, message: `cannot read the YAML: ${reason}` }], {
      source,
    });
  }
}

/** YAML text of a plain value, for showing configuration to people. */
export function formatYaml(value: unknown): string {
  return stringify(value, { lineWidth: 100 });
}

function readYamlScalar(text: string): unknown {
  const document = quietly(() => parseDocument(text));
  if (document.errors.length > 0 || !isScalar(document.contents)) return text;
  return document.toJS();
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

const YAML_DEBUG_VARIABLES = ["LOG_TOKENS", "LOG_STREAM"];

/**
 * Runs a `yaml` parse without letting it read the environment. The parser checks LOG_TOKENS and
 * LOG_STREAM (debug switches) on every token, which throws NotCapable when env access is not
 * granted. Parsing is synchronous, so swapping `process.env` for its duration affects no other
 * code.
 */
function quietly<T>(parse: () => T): T {
  if (YAML_DEBUG_VARIABLES.every(isEnvReadable)) return parse();
  const env = process.env;
  process.env = {};
  try {
    return parse();
  } finally {
    process.env = env;
  }
}

function isEnvReadable(variable: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "env", variable }).state === "granted";
  } catch {
    return false;
  }
}

function readProcessEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

function homeDirectory(env: EnvReader): string | null {
  for (const name of ["HOME", "USERPROFILE"]) {
    try {
      const value = env(name);
      if (value) return value;
    } catch {
      // Without env permission the home directory is unknown; `~/` paths then say so.
    }
  }
  return null;
}
