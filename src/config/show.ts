import type { Config } from "./config.ts";
import { formatYaml } from "./load.ts";
import { REDACTED, Secret } from "../model/secret.ts";
import { redactDatabaseUrl } from "./database_url.ts";

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
