/** One problem in a configuration, addressed by its key path (`dnb_api.client_id`). */
export interface ConfigIssue {
  /** Dotted key path with list indices in brackets (`simulator.registrations[0].duns[1]`), or
   * the file name for problems with the file itself (unreadable, not YAML). */
  path: string;
  /** What is wrong, then what is expected in parentheses. Never contains a secret's value. */
  message: string;
}

/** Options of `ConfigError`. */
export interface ConfigErrorOptions {
  /** The file the configuration came from, when there is one. */
  source?: string | null;
}

/**
 * Every problem found in a configuration, reported at once so that a user fixes them in one
 * round instead of one per run.
 */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly issues: ConfigIssue[];
  readonly source: string | null;

  constructor(issues: ConfigIssue[], options: ConfigErrorOptions = {}) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
    this.source = options.source ?? null;
  }
}

/** `path: message`, the one line a user reads for an issue. */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`;
}

/** `["a", "b", 0, "c"]` → `a.b[0].c`, the form users see and write in YAML terms. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
