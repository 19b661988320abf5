import { resolveAlerts } from "./alerts_config.ts";
import { kvLocation } from "./kv_location.ts";
import { isAbsolute, resolve } from "node:path";
import type { Config, SimulatorRegistrationConfig } from "./config.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { DEFAULTS, type FileConfig, SIMULATOR_CREDENTIALS } from "./schema.ts";
import { Secret } from "../model/secret.ts";

/** Options of `resolveConfig`. */
export interface ResolveOptions {
  /** Relative paths in the file are taken relative to this directory. */
  cwd: string;
  /** What a leading `~/` stands for; null when unknown, which makes `~/` an error. */
  home: string | null;
  /** The file the configuration came from, recorded in `Config.source`. */
  source: string | null;
}

/**
 * Joins a validated file with the defaults into the configuration the program uses: every
 * default filled in, every local path absolute, every secret wrapped. Pure: the same file and
 * options always give the same result, without touching the disk or the environment.
 */
export function resolveConfig(file: FileConfig, options: ResolveOptions): Config {
  const issues: ConfigIssue[] = [];
  const path = (value: string, key: string) => resolvePath(value, key, { ...options, issues });
  const optionalPath = (value: string | null | undefined, key: string) =>
    value == null ? null : path(value, key);

  const dnb = file.dnb_api ?? {};
  const breaker = dnb.circuit_breaker ?? {};
  const database = file.database ?? {};
  const monitoring = file.monitoring ?? {};
  const sftp = file.sftp_storage ?? {};
  const local = file.local_storage ?? {};
  const objects = file.object_storage ?? {};
  const state = file.state ?? {};
  const pipeline = file.pipeline ?? {};
  const http = file.http ?? {};
  const simulator = file.simulator ?? {};
  const simulatorEnabled = simulator.enabled ?? DEFAULTS.simulator.enabled;
  // Outside simulator mode validation has already demanded real credentials.
  const credentials = simulatorEnabled
    ? SIMULATOR_CREDENTIALS
    : { client_id: "", client_secret: "" };

  const config: Config = {
    environment: file.environment ?? DEFAULTS.environment,
    debug: file.debug ?? DEFAULTS.debug,
    source: options.source,
    alerts: resolveAlerts(file.alerts),
    dnb_api: {
      base_url: (dnb.base_url ?? DEFAULTS.dnb_api.base_url).replace(/\/+$/, ""),
      client_id: dnb.client_id ?? credentials.client_id,
      client_secret: new Secret(dnb.client_secret ?? credentials.client_secret),
      rate_limit: dnb.rate_limit ?? DEFAULTS.dnb_api.rate_limit,
      token_version: dnb.token_version ?? DEFAULTS.dnb_api.token_version,
      token_refresh_buffer: dnb.token_refresh_buffer ?? DEFAULTS.dnb_api.token_refresh_buffer,
      timeout: dnb.timeout ?? DEFAULTS.dnb_api.timeout,
      max_retries: dnb.max_retries ?? DEFAULTS.dnb_api.max_retries,
      retry_base_delay: dnb.retry_base_delay ?? DEFAULTS.dnb_api.retry_base_delay,
      retry_max_delay: dnb.retry_max_delay ?? DEFAULTS.dnb_api.retry_max_delay,
      circuit_breaker: {
        failure_threshold: breaker.failure_threshold ??
          DEFAULTS.dnb_api.circuit_breaker.failure_threshold,
        reset_timeout: breaker.reset_timeout ?? DEFAULTS.dnb_api.circuit_breaker.reset_timeout,
      },
      subject_paths: dnb.subject_paths ?? DEFAULTS.dnb_api.subject_paths,
      replay_max_notifications: dnb.replay_max_notifications ??
        DEFAULTS.dnb_api.replay_max_notifications,
      retry_after_max: dnb.retry_after_max ?? DEFAULTS.dnb_api.retry_after_max,
      max_response_bytes: dnb.max_response_bytes ?? DEFAULTS.dnb_api.max_response_bytes,
    },
    database: {
      enabled: database.enabled ?? DEFAULTS.database.enabled,
      url: databaseUrlSecret(resolveDatabaseUrl(database.url ?? DEFAULTS.database.url, path)),
      pool_size: database.pool_size ?? DEFAULTS.database.pool_size,
      migrate_on_start: database.migrate_on_start ?? DEFAULTS.database.migrate_on_start,
    },
    monitoring: {
      polling_interval: monitoring.polling_interval ?? DEFAULTS.monitoring.polling_interval,
      schedule: monitoring.schedule?.trim() ?? DEFAULTS.monitoring.schedule,
      max_notifications: monitoring.max_notifications ?? DEFAULTS.monitoring.max_notifications,
      notification_batch_size: monitoring.notification_batch_size ??
        DEFAULTS.monitoring.notification_batch_size,
      registrations: [...(monitoring.registrations ?? DEFAULTS.monitoring.registrations)],
      max_pulls_per_tick: monitoring.max_pulls_per_tick ?? DEFAULTS.monitoring.max_pulls_per_tick,
      sync: (monitoring.sync ?? []).map((entry, index) => ({
        registration: entry.registration,
        file: entry.file == null ? null : path(entry.file, `monitoring.sync[${index}].file`),
        from_sql: entry.from_sql ?? null,
        schedule: entry.schedule?.trim() ?? SYNC_DEFAULTS.schedule,
        max_remove_percent: entry.max_remove_percent ?? SYNC_DEFAULTS.max_remove_percent,
        verify: entry.verify ?? false,
      })),
    },
    sftp_storage: {
      enabled: sftp.enabled ?? DEFAULTS.sftp_storage.enabled,
      hostname: sftp.hostname ?? DEFAULTS.sftp_storage.hostname,
      port: sftp.port ?? DEFAULTS.sftp_storage.port,
      username: sftp.username ?? DEFAULTS.sftp_storage.username,
      private_key_path: optionalPath(sftp.private_key_path, "sftp_storage.private_key_path"),
      passphrase: optionalSecret(sftp.passphrase),
      password: optionalSecret(sftp.password),
      host_key_fingerprint: sftp.host_key_fingerprint ?? null,
      known_hosts_path: optionalPath(sftp.known_hosts_path, "sftp_storage.known_hosts_path"),
      remote_base_path: sftp.remote_base_path ?? DEFAULTS.sftp_storage.remote_base_path,
      file_format: sftp.file_format ?? DEFAULTS.sftp_storage.file_format,
      compress: sftp.compress ?? DEFAULTS.sftp_storage.compress,
      organize_by_date: sftp.organize_by_date ?? DEFAULTS.sftp_storage.organize_by_date,
      timeout: sftp.timeout ?? DEFAULTS.sftp_storage.timeout,
      connections: sftp.connections ?? DEFAULTS.sftp_storage.connections,
      keepalive_interval: sftp.keepalive_interval ?? DEFAULTS.sftp_storage.keepalive_interval,
      file_permissions: parseFileMode(
        sftp.file_permissions ?? DEFAULTS.sftp_storage.file_permissions,
      ),
    },
    local_storage: {
      enabled: local.enabled ?? DEFAULTS.local_storage.enabled,
      base_path: path(
        local.base_path ?? DEFAULTS.local_storage.base_path,
        "local_storage.base_path",
      ),
      file_format: local.file_format ?? DEFAULTS.local_storage.file_format,
      organize_by_date: local.organize_by_date ?? DEFAULTS.local_storage.organize_by_date,
      compress: local.compress ?? DEFAULTS.local_storage.compress,
      file_permissions: parseFileMode(
        local.file_permissions ?? DEFAULTS.local_storage.file_permissions,
      ),
    },
    object_storage: {
      enabled: objects.enabled ?? DEFAULTS.object_storage.enabled,
      endpoint: (objects.endpoint ?? DEFAULTS.object_storage.endpoint).replace(/\/+$/, ""),
      bucket: objects.bucket ?? DEFAULTS.object_storage.bucket,
      region: objects.region ?? DEFAULTS.object_storage.region,
      access_key_id: objects.access_key_id ?? DEFAULTS.object_storage.access_key_id,
      secret_access_key: new Secret(objects.secret_access_key ?? ""),
      prefix: (objects.prefix ?? DEFAULTS.object_storage.prefix).replace(/^\/+|\/+$/g, ""),
      path_style: objects.path_style ?? DEFAULTS.object_storage.path_style,
      file_format: objects.file_format ?? DEFAULTS.object_storage.file_format,
      compress: objects.compress ?? DEFAULTS.object_storage.compress,
      organize_by_date: objects.organize_by_date ?? DEFAULTS.object_storage.organize_by_date,
      timeout: objects.timeout ?? DEFAULTS.object_storage.timeout,
    },
    state: {
      kv_path: resolveKvPath(state.kv_path ?? DEFAULTS.state.kv_path, path),
      retention_days: state.retention_days ?? DEFAULTS.state.retention_days,
      token_key: optionalSecret(state.token_key),
    },
    pipeline: {
      sink_retry_base_delay: pipeline.sink_retry_base_delay ??
        DEFAULTS.pipeline.sink_retry_base_delay,
      sink_retry_max_delay: pipeline.sink_retry_max_delay ?? DEFAULTS.pipeline.sink_retry_max_delay,
      sink_failure_threshold: pipeline.sink_failure_threshold ??
        DEFAULTS.pipeline.sink_failure_threshold,
      sink_reset_timeout: pipeline.sink_reset_timeout ?? DEFAULTS.pipeline.sink_reset_timeout,
      dead_letter_after: pipeline.dead_letter_after ?? DEFAULTS.pipeline.dead_letter_after,
      shutdown_timeout: pipeline.shutdown_timeout ?? DEFAULTS.pipeline.shutdown_timeout,
      lease_ttl: pipeline.lease_ttl ?? DEFAULTS.pipeline.lease_ttl,
    },
    http: {
      enabled: http.enabled ?? DEFAULTS.http.enabled,
      hostname: http.hostname ?? DEFAULTS.http.hostname,
      port: http.port ?? DEFAULTS.http.port,
      auth_token: optionalSecret(http.auth_token),
      allowed_hosts: (http.allowed_hosts ?? DEFAULTS.http.allowed_hosts).map((host) => host.trim()),
      readiness_sink_failure: http.readiness_sink_failure ?? DEFAULTS.http.readiness_sink_failure,
      readiness_registration_failure: http.readiness_registration_failure ??
        DEFAULTS.http.readiness_registration_failure,
    },
    simulator: {
      enabled: simulatorEnabled,
      hostname: simulator.hostname ?? DEFAULTS.simulator.hostname,
      port: simulator.port ?? DEFAULTS.simulator.port,
      registrations: (simulator.registrations ?? []).map((
        registration,
      ): SimulatorRegistrationConfig => ({
        reference: registration.reference,
        duns: [...registration.duns],
      })),
      notifications_per_minute: simulator.notifications_per_minute ??
        DEFAULTS.simulator.notifications_per_minute,
      initial_backlog: simulator.initial_backlog ?? DEFAULTS.simulator.initial_backlog,
      rate_limit: simulator.rate_limit ?? DEFAULTS.simulator.rate_limit,
    },
  };
  if (issues.length > 0) throw new ConfigError(issues, { source: options.source });
  return config;
}

/** `"0640"`, `"640"` or `"0o640"` → `0o640`. The schema has already checked the form. */
export function parseFileMode(text: string): number {
  return Number.parseInt(text.replace(/^0o?/, ""), 8);
}

interface PathContext extends ResolveOptions {
  issues: ConfigIssue[];
}

function resolvePath(value: string, key: string, context: PathContext): string {
  if (value === "~" || value.startsWith("~/")) {
    if (context.home === null) {
      context.issues.push({
        path: key,
        message:
          `cannot expand "~": the home directory is unknown (set HOME, or give an absolute path)`,
      });
      return value;
    }
    return resolve(context.home, value.slice(2));
  }
  return isAbsolute(value) ? resolve(value) : resolve(context.cwd, value);
}

type PathResolver = (value: string, key: string) => string;

function resolveDatabaseUrl(url: string, path: PathResolver): string {
  if (!url.startsWith("sqlite:")) return url;
  // `sqlite:///abs/file.db` is the URL spelling of `sqlite:/abs/file.db`.
  const file = url.slice("sqlite:".length).replace(/^\/\/(?=[/.~]|[A-Za-z]:)/, "");
  if (file === ":memory:") return url;
  return `sqlite:${path(file, "database.url")}`;
}

/** A daily sync in the quiet hour, removing at most a tenth of the subjects. */
const SYNC_DEFAULTS = { schedule: "0 3 * * *", max_remove_percent: 10 };

function resolveKvPath(value: string, path: PathResolver): string {
  // A remote KV (a KV Connect endpoint), the in-memory KV and Deno Deploy's own KV ("") are not
  // files (kv_location.ts).
  if (kvLocation(value).kind !== "file") return value;
  return path(value, "state.kv_path");
}

function optionalSecret(value: string | null | undefined): Secret | null {
  return value == null ? null : new Secret(value);
}

/** The URL is shown with its password masked; only the password is masked wherever it appears. */
function databaseUrlSecret(url: string): Secret {
  const secret = new Secret(url, { maskEverywhere: false });
  try {
    const password = new URL(url).password;
    if (password !== "") new Secret(decodeURIComponent(password));
  } catch {
    // sqlite:path and other URLs without a password part.
  }
  return secret;
}
