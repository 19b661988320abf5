import type { Config } from "./config.ts";
import { databaseUrlScheme } from "./database_url.ts";
import type { ConfigIssue } from "./errors.ts";

/**
 * What a configuration may not ask for under `deploy.ts`. Deno Deploy has no writable disk and
 * runs one server per isolate, reachable by anyone who knows the URL: no local files, no SQLite,
 * no in-process simulator, and a token on the HTTP surface.
 */
export function deployProblems(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.local_storage.enabled) {
    issues.push({
      path: "local_storage.enabled",
      message: "must be false under deploy.ts: Deno Deploy has no disk to write files to " +
        "(store notifications with object_storage, sftp_storage or a PostgreSQL database.url)",
    });
  }
  if (config.database.enabled && databaseUrlScheme(config.database.url.reveal()) === "sqlite:") {
    issues.push({
      path: "database.url",
      message: "SQLite needs a writable disk, which Deno Deploy does not have (use a " +
        "postgresql:// URL, or database.enabled: false)",
    });
  }
  if (config.simulator.enabled) {
    issues.push({
      path: "simulator.enabled",
      message: "must be false under deploy.ts: the simulator is a second server, which a " +
        "deployment cannot run (point dnb_api.base_url at D&B, or at a simulator run elsewhere)",
    });
  }
  if (config.http.auth_token === null || config.http.auth_token.isEmpty) {
    issues.push({
      path: "http.auth_token",
      message:
        'required under deploy.ts: a deployment\'s URL is public (e.g. "${TRACEONE_HTTP_TOKEN}", ' +
        "generated with openssl rand -hex 32)",
    });
  }
  return issues;
}
