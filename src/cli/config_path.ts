import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const DEFAULT_CONFIG = "config/default.yaml";

/**
 * The configuration file a command reads: `--config`, else `$TRACEONE_CONFIG`, else the
 * embedded default. A compiled binary run from another folder finds the default next to its
 * own code (embedded with `--include`).
 */
export function configPath(option: string | undefined, options: {
  env: (name: string) => string | undefined;
  cwd: string;
}): string {
  const chosen = option ?? options.env("TRACEONE_CONFIG");
  if (chosen) return resolve(options.cwd, chosen);
  const local = resolve(options.cwd, DEFAULT_CONFIG);
  if (existsSync(local)) return local;
  return new URL(`../../${DEFAULT_CONFIG}`, import.meta.url).pathname;
}
