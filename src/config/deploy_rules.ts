import type { Config } from "./config.ts";
import { databaseUrlScheme } from "./database_url.ts";
import type { ConfigIssue } from "./errors.ts";
import { kvLocation } from "./kv_location.ts";

/**
 * What a configuration may not ask for under `deploy.ts`. Deno Deploy has no writable disk and
 * runs one server per isolate, reachable by anyone who knows the URL: no local files, no SQLite,
 * no in-process simulator, and a token on the HTTP surface.
 */
export function deployProblems(
  config: Config,
  options: { onDeploy: boolean },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const kv = kvLocation(config.state.kv_path);
  if (kv.kind === "memory") {
    issues.push({
      path: "state.kv_path",
      message:
        ':memory: loses the journal, cursors and leases whenever an isolate recycles (use "" ' +
        "for the deployment's own KV, or a KV Connect URL)",
    });
  } else if (kv.kind === "file" && options.onDeploy) {
    // Off Deploy (a local run of deploy.ts, its tests) a KV file is fine.
    issues.push({
      path: "state.kv_path",
      message: `a file (${config.state.kv_path}) needs a disk, which Deno Deploy does not have ` +
        '(use "" for the deployment\'s own KV, or a KV Connect URL)',
    });
  }
  if (config.monitoring.sync.length > 0) {
    issues.push({
      path: "monitoring.sync",
      message: "not run under deploy.ts (it needs timers that outlive a request); run " +
        "`registrations sync` from a machine, or leave monitoring.sync empty here",
    });
  }
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
