import type { AlertsConfig } from "./alerts_config.ts";
import type { Secret } from "../model/secret.ts";

/**
 * The resolved configuration the program uses: every default filled in, every path absolute,
 * every secret wrapped. What a file may say is `FileConfig` in `schema.ts`; `resolveConfig`
 * joins the two.
 */
export interface Config {
  /** Alert rules (empty: none); a sink of their own. */
  alerts: AlertsConfig;
  environment: "development" | "test" | "staging" | "production";
  debug: boolean;
  /** The file the configuration came from, or null when built in code. */
  source: string | null;
  dnb_api: DnbApiConfig;
  database: DatabaseConfig;
  monitoring: MonitoringConfig;
  sftp_storage: SftpStorageConfig;
  local_storage: LocalStorageConfig;
  object_storage: ObjectStorageConfig;
  state: StateConfig;
  pipeline: PipelineConfig;
  http: HttpConfig;
  simulator: SimulatorConfig;
}

export type TokenVersion = "v2" | "v3";
export type SubjectPathFamily = "subjects" | "duns";
export type FileFormat = "json" | "ndjson" | "csv" | "xml";

export interface DnbApiConfig {
  base_url: string;
  client_id: string;
  client_secret: Secret;
  /** Requests per second, shared by every call. */
  rate_limit: number;
  token_version: TokenVersion;
  /** Seconds before expiry at which the token is renewed. */
  token_refresh_buffer: number;
  /** Seconds one HTTP request may take. */
  timeout: number;
  /** Retries after the first attempt, for 429, 5xx, timeouts and network errors. */
  max_retries: number;
  /** Seconds: the first backoff ceiling; it doubles per attempt up to `retry_max_delay`. */
  retry_base_delay: number;
  retry_max_delay: number;
  circuit_breaker: CircuitBreakerConfig;
  subject_paths: SubjectPathFamily;
  /**
   * The most one replay response returns (D&B: 100). Pulls are paced and sized so that every
   * D&B second holds fewer, so each can be re-fetched whole (design.md invariant 5).
   */
  replay_max_notifications: number;
  /**
   * Seconds: the longest `Retry-After` honoured. D&B drops unpulled notifications after 4 days,
   * and a timer overflows past 24.8 days; a longer ask is cut to this and logged.
   */
  retry_after_max: number;
  /**
   * Bytes: the largest response body read. A longer one is cut off unread (a pull's is an
   * unknown outcome, recovered through replay with fewer notifications per response), so no
   * answer can exhaust memory. 8 MiB holds 100 full product records of 80 KB.
   */
  max_response_bytes: number;
}

export interface CircuitBreakerConfig {
  /** Consecutive failures that open the breaker. */
  failure_threshold: number;
  /** Seconds the breaker stays open before one trial call (half-open). */
  reset_timeout: number;
}

export interface DatabaseConfig {
  enabled: boolean;
  /** `sqlite:<path>` (absolute after resolution) or `postgres://…`; may hold a password. */
  url: Secret;
  pool_size: number;
  migrate_on_start: boolean;
}

export interface MonitoringConfig {
  /** Seconds between ticks. */
  polling_interval: number;
  /** A cron expression that replaces `polling_interval` when set. */
  schedule: string | null;
  /** Per pull request, 1–100. */
  max_notifications: number;
  notification_batch_size: number;
  /** Registration references to monitor; empty means every one the account lists. */
  registrations: string[];
  /** Pull requests per registration per tick at most. */
  max_pulls_per_tick: number;
  /** Registrations kept in sync with the customer's own list (`registrations sync`). */
  sync: SyncConfig[];
}

/** One scheduled `registrations sync`. */
export interface SyncConfig {
  registration: string;
  /** Absolute after resolution. */
  file: string | null;
  from_sql: string | null;
  /** Cron (UTC); default daily at 03:00. */
  schedule: string;
  /** Percent of the current subjects one run may remove; default 10. */
  max_remove_percent: number;
  /** Check every DUNS the record holds with D&B, adding back what D&B dropped; default false. */
  verify: boolean;
}

export interface SftpStorageConfig {
  enabled: boolean;
  hostname: string;
  port: number;
  username: string;
  private_key_path: string | null;
  passphrase: Secret | null;
  password: Secret | null;
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  host_key_fingerprint: string | null;
  known_hosts_path: string | null;
  remote_base_path: string;
  file_format: FileFormat;
  compress: boolean;
  organize_by_date: boolean;
  /** Seconds. */
  timeout: number;
  connections: number;
  /** Seconds between SSH keepalives. */
  keepalive_interval: number;
  /** Octal mode of uploaded files, e.g. 0o640; folders get execute where read is granted. */
  file_permissions: number;
}

export interface LocalStorageConfig {
  enabled: boolean;
  base_path: string;
  file_format: FileFormat;
  organize_by_date: boolean;
  compress: boolean;
  /** Octal mode, e.g. 0o640. */
  file_permissions: number;
}

/** An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Backblaze B2, GCS interoperability). */
export interface ObjectStorageConfig {
  enabled: boolean;
  /** The service root without a trailing slash, e.g. `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  bucket: string;
  /** Signed into every request (SigV4); `auto` for R2. */
  region: string;
  access_key_id: string;
  /** Empty when the object store is disabled. */
  secret_access_key: Secret;
  /** Without leading or trailing slashes; empty for the bucket root. */
  prefix: string;
  /** `endpoint/bucket/key` when true; `bucket.endpoint-host/key` (virtual-hosted) when false. */
  path_style: boolean;
  file_format: FileFormat;
  compress: boolean;
  organize_by_date: boolean;
  /** Seconds one request may take. */
  timeout: number;
}

export interface StateConfig {
  kv_path: string;
  retention_days: number;
  /** Seals the D&B access token in KV when set (AES-256-GCM); null keeps it as it is. */
  token_key: Secret | null;
}

/** How journaled batches reach the sinks. */
export interface PipelineConfig {
  /** Seconds: first retry delay of a failing sink; doubles up to `sink_retry_max_delay`. */
  sink_retry_base_delay: number;
  sink_retry_max_delay: number;
  /** Consecutive failures that open a sink's breaker. */
  sink_failure_threshold: number;
  /** Seconds a sink's open breaker waits before a trial delivery. */
  sink_reset_timeout: number;
  /**
   * Failures of the same batch after which the notifications a sink refuses as such go to that
   * sink's dead letters. An unreachable sink is never dead-lettered around.
   */
  dead_letter_after: number;
  /** Seconds sinks get to finish on shutdown. */
  shutdown_timeout: number;
  /** Seconds a registration lease lasts without renewal. */
  lease_ttl: number;
}

export interface HttpConfig {
  enabled: boolean;
  hostname: string;
  port: number;
  auth_token: Secret | null;
  /**
   * Host names (optionally `name:port`) besides loopback that requests may carry: the DNS
   * rebinding defence. Checked when there is no token, and whenever the list is non-empty.
   */
  allowed_hosts: string[];
  /** Seconds a sink may keep failing before /readyz answers 503. */
  readiness_sink_failure: number;
  /** Seconds a registration may fail every tick before /readyz answers 503. */
  readiness_registration_failure: number;
}

export interface SimulatorRegistrationConfig {
  reference: string;
  duns: string[];
}

export interface SimulatorConfig {
  /** Run the Direct+ simulator in-process and point the client at it. */
  enabled: boolean;
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  registrations: SimulatorRegistrationConfig[];
  /** Generated notifications per minute, per registration. */
  notifications_per_minute: number;
  /** Notifications queued per registration when the simulator starts, so the first tick has work. */
  initial_backlog: number;
  /** The simulator's own 429 threshold, requests per second. */
  rate_limit: number;
}
