import type { Config } from "./config.ts";
import { formatYaml } from "./load.ts";
import { REDACTED, Secret } from "./secret.ts";

/**
 * The effective configuration as YAML, for `config show`: every default filled in, every path
 * absolute, no secret visible.
 */
export function showConfig(config: Config): string {
  const from = config.source === null ? "built in code" : `from ${config.source}`;
  return `# effective configuration ${from}; secrets are shown as ${REDACTED}\n` +
    formatYaml(effectiveConfigView(config));
}

/**
 * A plain copy of the configuration that is safe to print or serve: secrets become `***`, except
 * the database URL, whose host and database name are worth seeing, so only its password is
 * masked. The file mode is shown in octal, as it is written in the file.
 */
export function effectiveConfigView(config: Config): Record<string, unknown> {
  const view = redactSecrets(config) as Record<string, unknown> & {
    database: Record<string, unknown>;
    local_storage: Record<string, unknown>;
  };
  view.database.url = redactDatabaseUrl(config.database.url.reveal());
  view.local_storage.file_permissions = `0${config.local_storage.file_permissions.toString(8)}`;
  return view;
}

/**
 * `postgresql://user:pass@host/db` → `postgresql://user:***@host/db`; a password passed as a
 * query parameter is masked too. SQLite URLs hold no credentials and are returned as they are.
 */
export function redactDatabaseUrl(url: string): string {
  if (url.startsWith("sqlite:")) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  if (parsed.password !== "") parsed.password = REDACTED;
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, REDACTED);
  }
  return parsed.toString();
}

function redactSecrets(value: unknown): unknown {
  if (value instanceof Secret) return REDACTED;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redactSecrets(item)]),
    );
  }
  return value;
}
