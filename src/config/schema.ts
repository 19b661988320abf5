import { alertsIssues, AlertsSchema } from "./alerts_schema.ts";
import { tokenKeyProblem } from "./token_key.ts";
import { z } from "zod";
import type { ConfigIssue } from "./errors.ts";
import { referenceProblem } from "../model/reference.ts";
import { cronScheduleProblem } from "./cron_schedule.ts";
import { EXPOSURE_ADVICE, listenerExposure } from "./exposure.ts";
import { checkedString, field, isMapping, issueTranslator, required } from "./schema_fields.ts";

/**
 * What a configuration file may say. Every field is optional (`null` counts as absent, so a
 * section whose keys are all commented out is fine); `DEFAULTS` holds what `resolveConfig` puts
 * in their place. Unknown keys are errors: a misspelt key silently falling back to its default
 * is the worst kind of configuration bug.
 */

export const ENVIRONMENTS = ["development", "test", "staging", "production"] as const;
export const TOKEN_VERSIONS = ["v2", "v3"] as const;
export const SUBJECT_PATH_FAMILIES = ["subjects", "duns"] as const;
export const FILE_FORMATS = ["json", "ndjson", "csv", "xml"] as const;

/** Credentials the simulator accepts; used when it is enabled and the file gives none. */
export const SIMULATOR_CREDENTIALS = {
  client_id: "simulator",
  client_secret: "simulator-secret",
} as const;

/** The value of every setting a file leaves out. */
export const DEFAULTS = {
  environment: "development",
  debug: false,
  dnb_api: {
    base_url: "https://plus.dnb.com",
    rate_limit: 5,
    token_version: "v3",
    token_refresh_buffer: 300,
    timeout: 30,
    max_retries: 5,
    retry_base_delay: 0.5,
    retry_max_delay: 30,
    circuit_breaker: { failure_threshold: 5, reset_timeout: 30 },
    subject_paths: "subjects",
    replay_max_notifications: 100,
    retry_after_max: 900,
    max_response_bytes: 8 * 1024 * 1024,
  },
  database: {
    enabled: true,
    url: "sqlite:./data/traceone.db",
    pool_size: 10,
    migrate_on_start: true,
  },
  monitoring: {
    polling_interval: 300,
    schedule: null,
    max_notifications: 100,
    notification_batch_size: 50,
    registrations: [],
    max_pulls_per_tick: 100,
    sync: [],
  },
  sftp_storage: {
    enabled: false,
    hostname: "",
    port: 22,
    username: "",
    remote_base_path: "/notifications",
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 30,
    connections: 4,
    keepalive_interval: 10,
    file_permissions: "0640",
  },
  object_storage: {
    enabled: false,
    endpoint: "",
    bucket: "",
    region: "us-east-1",
    access_key_id: "",
    prefix: "notifications",
    path_style: true,
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 30,
  },
  local_storage: {
    enabled: true,
    base_path: "./notifications",
    file_format: "json",
    organize_by_date: true,
    compress: false,
    file_permissions: "0640",
  },
  state: { kv_path: "./data/state.kv", retention_days: 14 },
  pipeline: {
    sink_retry_base_delay: 1,
    sink_retry_max_delay: 60,
    sink_failure_threshold: 5,
    sink_reset_timeout: 30,
    dead_letter_after: 5,
    shutdown_timeout: 10,
    lease_ttl: 60,
  },
  http: {
    enabled: true,
    hostname: "127.0.0.1",
    port: 8080,
    allowed_hosts: [],
    readiness_sink_failure: 300,
    readiness_registration_failure: 300,
  },
  simulator: {
    enabled: false,
    hostname: "127.0.0.1",
    port: 0,
    registrations: [],
    notifications_per_minute: 6,
    initial_backlog: 0,
    rate_limit: 5,
  },
} as const;

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not a URL: ${JSON.stringify(value)}`;
  }
  if (url.protocol === "https:") return null;
  if (url.protocol !== "http:") return `must use https, got ${JSON.stringify(value)}`;
  if (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith("127.")) return null;
  return `plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost), got ${
    JSON.stringify(value)
  }`;
}

function endpointProblem(value: string): string | null {
  const problem = baseUrlProblem(value);
  if (problem !== null) return problem;
  const url = new URL(value);
  if (url.username !== "" || url.password !== "") {
    return "must not hold credentials (give them as access_key_id and secret_access_key)";
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    return `must be the service root without a path, query or bucket, got ${
      JSON.stringify(value)
    } (the bucket goes in object_storage.bucket)`;
  }
  return null;
}

// S3's rule (3 to 63 characters, lowercase, digits, dots, hyphens), plus the underscore that
// GCS interoperability allows; the server has the last word (InvalidBucketName).
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

function bucketProblem(value: string): string | null {
  return BUCKET.test(value) ? null : `not a bucket name: ${JSON.stringify(value)}; S3 buckets ` +
    "are 3 to 63 characters of lowercase letters, digits, dots and hyphens";
}

// Each segment stays as written in the key (no percent-encoding, no climbing out with `..`).
const PREFIX_SEGMENT = /^[A-Za-z0-9._~-]+$/;

function prefixProblem(value: string): string | null {
  const trimmed = value.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return null;
  const bad = trimmed.split("/").find((segment) =>
    !PREFIX_SEGMENT.test(segment) || segment === "." || segment === ".."
  );
  return bad === undefined
    ? null
    : `the segment ${JSON.stringify(bad)} of ${
      JSON.stringify(value)
    } is empty, "." or "..", or holds characters other than letters, digits, . _ - ~`;
}

// The value may hold a password, so no message quotes it.
function databaseUrlProblem(value: string): string | null {
  if (value.startsWith("sqlite:")) {
    return value.length > "sqlite:".length ? null : "the sqlite: URL has no path";
  }
  if (!/^postgres(ql)?:\/\//.test(value)) return "not a supported database URL";
  try {
    new URL(value);
    return null;
  } catch {
    return "not a valid PostgreSQL URL";
  }
}

// `resolveConfig` trims the schedule before Deno.cron sees it, so the check reads it trimmed.
function cronProblem(value: string): string | null {
  return cronScheduleProblem(value.trim());
}

// `ssh-keygen -lf` prints 43 unpadded base64 characters for the 32-byte digest.
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

function fingerprintProblem(value: string): string | null {
  return FINGERPRINT.test(value) ? null : `not a SHA256 fingerprint: ${JSON.stringify(value)}`;
}

const FILE_MODE = /^(0o?)?[0-7]{3}$/;

function fileModeProblem(value: string): string | null {
  return FILE_MODE.test(value) ? null : `not an octal file mode: ${JSON.stringify(value)}`;
}

const DUNS = /^[0-9]{9}$/;

function dunsProblem(value: string): string | null {
  return DUNS.test(value) ? null : `not a 9-digit DUNS number: ${JSON.stringify(value)}`;
}

/** The shortest `http.auth_token`: `openssl rand -hex 32` gives 64 characters. */
export const MIN_AUTH_TOKEN_LENGTH = 32;

// The value is the token itself, so neither it nor its length appears in the message.
function authTokenProblem(value: string): string | null {
  if (value === "") return "must not be empty";
  if (value.length < MIN_AUTH_TOKEN_LENGTH) {
    return `too short: a token needs at least ${MIN_AUTH_TOKEN_LENGTH} characters`;
  }
  return null;
}

// The same shape the Host check in src/http/host_check.ts accepts: name or address, then a port.
const ALLOWED_HOST =
  /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?)(?::([0-9]{1,5}))?$/i;

function allowedHostProblem(value: string): string | null {
  const match = ALLOWED_HOST.exec(value.trim());
  if (match !== null && (match[2] === undefined || Number(match[2]) <= 65535)) return null;
  return `not a host name: ${JSON.stringify(value)}; give the name alone (no scheme, path or ` +
    "wildcard), optionally with :port";
}

const seconds = (hint: string) => field(z.number().positive(), hint);
// "expected true or false" already says all there is to say about a flag.
const flag = () => field(z.boolean(), "");
const text = (hint: string, options: { secret?: boolean } = {}) =>
  field(z.string().min(1), hint, options);
const port = (min: number, hint: string) => field(z.int().min(min).max(65535), hint);

const CircuitBreakerSchema = z.strictObject({
  failure_threshold: field(z.int().min(1), "consecutive failures that open the breaker, e.g. 5"),
  reset_timeout: seconds("seconds the breaker stays open before a trial call, e.g. 30"),
});

const DnbApiSchema = z.strictObject({
  base_url: field(checkedString(baseUrlProblem), "the Direct+ API root, e.g. https://plus.dnb.com"),
  client_id: text('the Consumer Key of your D&B account, e.g. "${DNB_CLIENT_ID}"'),
  client_secret: text('the Consumer Secret of your D&B account, e.g. "${DNB_CLIENT_SECRET}"', {
    secret: true,
  }),
  rate_limit: field(z.number().positive(), "requests per second, e.g. 5"),
  token_version: field(z.enum(TOKEN_VERSIONS), "the token endpoint version"),
  token_refresh_buffer: field(
    z.number().min(0),
    "seconds before expiry at which the token is renewed, e.g. 300",
  ),
  timeout: seconds("seconds one request may take, e.g. 30"),
  max_retries: field(z.int().min(0), "retries after the first attempt, e.g. 5"),
  retry_base_delay: field(z.number().min(0), "seconds of the first backoff, e.g. 0.5"),
  retry_max_delay: seconds("the longest backoff in seconds, e.g. 30"),
  circuit_breaker: field(CircuitBreakerSchema, "a mapping with failure_threshold, reset_timeout"),
  subject_paths: field(z.enum(SUBJECT_PATH_FAMILIES), "the URL family of subject endpoints"),
  replay_max_notifications: field(
    z.int().min(2).max(10_000),
    "the most notifications one D&B replay response returns, e.g. 100",
  ),
  retry_after_max: seconds("the longest Retry-After honoured, in seconds, e.g. 900"),
  max_response_bytes: field(
    z.int().min(65_536),
    "the largest D&B response body read, in bytes (at least 65536), e.g. 8388608",
  ),
});

const DatabaseSchema = z.strictObject({
  enabled: flag(),
  url: field(
    checkedString(databaseUrlProblem),
    "sqlite:<path>, postgres://… or postgresql://…, e.g. sqlite:./data/traceone.db",
    { secret: true },
  ),
  pool_size: field(z.int().min(1), "connections in the pool, e.g. 10"),
  migrate_on_start: flag(),
});

const SyncSchema = z.strictObject({
  registration: required(checkedString(referenceProblem), "the registration reference to sync"),
  file: text("the wanted DUNS list: one per line, or CSV with a duns column"),
  from_sql: text(
    'a SELECT whose first column is the wanted DUNS, e.g. "SELECT duns FROM suppliers"',
  ),
  schedule: field(
    checkedString(cronProblem),
    'when to sync, 5 cron fields in UTC as Deno.cron reads them, e.g. "0 3 * * *"',
  ),
  max_remove_percent: field(
    z.number().min(0).max(100),
    "the largest share of the subjects one sync may remove, 0 to 100, e.g. 10",
  ),
  verify: flag(),
}).check((context) => {
  if ((context.value.file == null) === (context.value.from_sql == null)) {
    context.issues.push({
      code: "custom",
      message: "give the wanted list as file or from_sql, one of them",
      input: context.value,
      path: ["file"],
    });
  }
});

const MonitoringSchema = z.strictObject({
  polling_interval: field(z.number().min(1), "seconds between polls, e.g. 300"),
  schedule: field(
    checkedString(cronProblem),
    "5 fields in UTC as Deno.cron reads them: minute hour day-of-month month day-of-week, " +
      'e.g. "*/5 * * * *"; day-of-week is 1-7 with 1 = Sunday, or SUN-SAT; ' +
      "or null to use polling_interval",
  ),
  max_notifications: field(z.int().min(1).max(100), "notifications per pull, 1 to 100"),
  notification_batch_size: field(z.int().min(1), "notifications per batch, e.g. 50"),
  registrations: field(
    z.array(required(checkedString(referenceProblem), "a registration reference")),
    "a list of registration references; empty means every registration of the account",
  ),
  max_pulls_per_tick: field(z.int().min(1), "pull requests per registration per tick, e.g. 100"),
  sync: field(
    z.array(SyncSchema),
    "a list of registrations kept in sync with a DUNS list: registration, file or from_sql, schedule",
  ),
});

const SftpStorageSchema = z.strictObject({
  enabled: flag(),
  hostname: text("the SFTP server's host name, e.g. sftp.example.com"),
  port: port(1, "the SSH port, e.g. 22"),
  username: text("the SSH user name"),
  private_key_path: text("the private key file, e.g. ~/.ssh/id_ed25519"),
  passphrase: text('the private key\'s passphrase, e.g. "${SFTP_KEY_PASSPHRASE}"', {
    secret: true,
  }),
  password: text('the SSH password, e.g. "${SFTP_PASSWORD}"', { secret: true }),
  host_key_fingerprint: field(
    checkedString(fingerprintProblem),
    'the server host key as "ssh-keygen -lf <key>" prints it, e.g. "SHA256:" and 43 base64 characters',
  ),
  known_hosts_path: text("a known_hosts file, e.g. ~/.ssh/known_hosts"),
  remote_base_path: text("the remote directory, e.g. /notifications"),
  file_format: field(z.enum(FILE_FORMATS), "the stored file format"),
  compress: flag(),
  organize_by_date: flag(),
  timeout: seconds("seconds one SFTP operation may take, e.g. 30"),
  connections: field(z.int().min(1).max(16), "parallel SFTP connections, 1 to 16"),
  keepalive_interval: field(z.number().min(0), "seconds between SSH keepalives, e.g. 10"),
  file_permissions: field(checkedString(fileModeProblem), 'an octal mode, e.g. "0640"'),
});

const ObjectStorageSchema = z.strictObject({
  enabled: flag(),
  endpoint: field(
    checkedString(endpointProblem),
    "the S3-compatible service root, e.g. https://s3.eu-west-1.amazonaws.com; plain http only " +
      "for loopback, e.g. http://127.0.0.1:9000",
  ),
  bucket: field(checkedString(bucketProblem), "the bucket name, e.g. traceone"),
  region: text('the bucket\'s region, e.g. eu-west-1 ("auto" for Cloudflare R2)'),
  access_key_id: text('the access key id, e.g. "${S3_ACCESS_KEY_ID}"'),
  secret_access_key: text('the secret access key, e.g. "${S3_SECRET_ACCESS_KEY}"', {
    secret: true,
  }),
  prefix: field(
    checkedString(prefixProblem),
    'the key prefix objects go under, e.g. notifications; "" for the bucket root',
  ),
  path_style: flag(),
  file_format: field(z.enum(FILE_FORMATS), "the stored file format"),
  compress: flag(),
  organize_by_date: flag(),
  timeout: seconds("seconds one request to the object store may take, e.g. 30"),
});

const LocalStorageSchema = z.strictObject({
  enabled: flag(),
  base_path: text("the directory for notification files, e.g. ./notifications"),
  file_format: field(z.enum(FILE_FORMATS), "the stored file format"),
  organize_by_date: flag(),
  compress: flag(),
  file_permissions: field(checkedString(fileModeProblem), 'an octal mode, e.g. "0640"'),
});

const StateSchema = z.strictObject({
  token_key: field(
    checkedString(tokenKeyProblem),
    'a key that seals the D&B access token in KV, e.g. "${TRACEONE_TOKEN_KEY}"',
    { secret: true },
  ),
  kv_path: field(
    z.string(),
    'the Deno KV file (e.g. ./data/state.kv), a KV Connect URL (https://…), or "" for Deno ' +
      "Deploy's own KV",
  ),
  retention_days: field(z.int().min(1), "days journal entries are kept, e.g. 14"),
});

const PipelineSchema = z.strictObject({
  sink_retry_base_delay: field(z.number().min(0), "seconds of a sink's first retry delay, e.g. 1"),
  sink_retry_max_delay: seconds("the longest delay between a sink's retries, e.g. 60"),
  sink_failure_threshold: field(
    z.int().min(1),
    "consecutive failures that open a sink's breaker, e.g. 5",
  ),
  sink_reset_timeout: seconds("seconds a sink's open breaker waits before a trial, e.g. 30"),
  dead_letter_after: field(
    z.int().min(1),
    "failures of one batch before what a sink refuses goes to dead letters, e.g. 5",
  ),
  shutdown_timeout: seconds("seconds sinks get to finish on shutdown, e.g. 10"),
  lease_ttl: seconds("seconds a registration lease lasts without renewal, e.g. 60"),
});

const HttpSchema = z.strictObject({
  enabled: flag(),
  hostname: text("the address to listen on, e.g. 127.0.0.1"),
  port: port(0, "the port to listen on, 0 to 65535, e.g. 8080"),
  auth_token: field(
    checkedString(authTokenProblem),
    `the bearer token for the API, at least ${MIN_AUTH_TOKEN_LENGTH} characters: generate one ` +
      'with `openssl rand -hex 32` and give it as e.g. "${TRACEONE_HTTP_TOKEN}"',
    { secret: true },
  ),
  allowed_hosts: field(
    z.array(
      required(
        checkedString(allowedHostProblem),
        "a host name clients use, optionally with :port, e.g. monitor.example.com",
      ),
    ),
    "a list of Host names besides localhost that requests may carry, e.g. [monitor.example.com]",
  ),
  readiness_sink_failure: seconds(
    "seconds a sink may keep failing before /readyz answers 503, e.g. 300",
  ),
  readiness_registration_failure: seconds(
    "seconds a registration may fail every tick before /readyz answers 503, e.g. 300",
  ),
});

const SimulatorRegistrationSchema = z.strictObject({
  reference: required(z.string().min(1), "the registration reference, e.g. TRACEONE_DEMO"),
  duns: required(
    z.array(
      required(
        checkedString(dunsProblem),
        'a 9-digit DUNS number, e.g. "012345678"; quotes keep leading zeros',
      ),
    ),
    'a list of DUNS numbers, e.g. ["804735132"]',
  ),
});

const SimulatorSchema = z.strictObject({
  enabled: flag(),
  hostname: text("the address the simulator listens on, e.g. 127.0.0.1"),
  port: port(0, "the simulator's port, 0 for a free one"),
  registrations: field(
    z.array(required(SimulatorRegistrationSchema, "a mapping with reference and duns")),
    "a list of {reference, duns} mappings",
  ),
  notifications_per_minute: field(
    z.number().min(0),
    "generated notifications per minute per registration, e.g. 6",
  ),
  initial_backlog: field(
    z.int().min(0),
    "notifications queued per registration at start, e.g. 20",
  ),

  rate_limit: field(z.number().positive(), "the simulator's requests per second, e.g. 5"),
});

export const FileConfigSchema = z.strictObject({
  environment: field(z.enum(ENVIRONMENTS), "the deployment stage"),
  debug: flag(),
  dnb_api: field(DnbApiSchema, "a mapping of D&B Direct+ API settings"),
  database: field(DatabaseSchema, "a mapping of database settings"),
  monitoring: field(MonitoringSchema, "a mapping of polling settings"),
  sftp_storage: field(SftpStorageSchema, "a mapping of SFTP settings"),
  local_storage: field(LocalStorageSchema, "a mapping of local file settings"),
  object_storage: field(ObjectStorageSchema, "a mapping of object storage (S3) settings"),
  state: field(StateSchema, "a mapping of state settings"),
  pipeline: field(PipelineSchema, "a mapping of delivery settings"),
  http: field(HttpSchema, "a mapping of HTTP server settings"),
  simulator: field(SimulatorSchema, "a mapping of simulator settings"),
  alerts: field(
    AlertsSchema,
    "a list of alert rules, each a mapping with name, match, destinations",
  ),
});

/** A configuration file's content once it passed `validateFileConfig`. */
export type FileConfig = z.infer<typeof FileConfigSchema>;

const { translate: translateIssue, hintAt } = issueTranslator(FileConfigSchema);

/** The outcome of `validateFileConfig`: the typed content, or every problem found. */
export type FileConfigValidation =
  | { ok: true; config: FileConfig }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Checks a parsed (and substituted) YAML tree against the schema and the rules that span
 * fields, reporting every problem in user terms.
 */
export function validateFileConfig(tree: unknown): FileConfigValidation {
  const result = FileConfigSchema.safeParse(tree, { reportInput: true });
  // The alerts section reports its own issues, with its own hints (alerts_schema.ts).
  const issues = result.success
    ? []
    : result.error.issues.filter((issue) => issue.path[0] !== "alerts").flatMap(translateIssue);
  issues.push(...crossFieldIssues(tree));
  if (isMapping(tree)) issues.push(...alertsIssues(tree.alerts));
  if (result.success && issues.length === 0) return { ok: true, config: result.data };
  return { ok: false, issues };
}

function crossFieldIssues(tree: unknown): ConfigIssue[] {
  if (!isMapping(tree)) return [];
  const issues: ConfigIssue[] = [];
  const simulator = tree.simulator;
  const simulatorEnabled = isMapping(simulator) ? simulator.enabled : undefined;

  if (simulatorEnabled === true && tree.environment === "production") {
    issues.push({
      path: "simulator.enabled",
      message:
        "the simulator cannot run in production (set simulator.enabled: false and give the D&B credentials in dnb_api)",
    });
  }

  // Whether credentials are needed is unknowable while simulator.enabled has the wrong type.
  const dnbApi = tree.dnb_api ?? {};
  if ((simulatorEnabled ?? false) === false && isMapping(dnbApi)) {
    for (const key of ["client_id", "client_secret"]) {
      if (dnbApi[key] == null) {
        issues.push({
          path: `dnb_api.${key}`,
          message: `missing (${hintAt(["dnb_api", key])})`,
        });
      }
    }
  }

  // Plain http (allowed by the field check for loopback only) is for a local stand-in of D&B.
  // In staging and production the client credentials and tokens go over it, so https is a must;
  // with the simulator enabled base_url is not used (the client talks to the simulator).
  const stage = tree.environment ?? DEFAULTS.environment;
  if (
    (stage === "staging" || stage === "production") && simulatorEnabled !== true &&
    isMapping(dnbApi) && typeof dnbApi.base_url === "string" && /^http:/i.test(dnbApi.base_url)
  ) {
    issues.push({
      path: "dnb_api.base_url",
      message: `must use https in ${stage} (plain http is for environment: development or test, ` +
        `e.g. a local simulator); set it to https://plus.dnb.com`,
    });
  }

  const exposure = tree.environment === "production" ? productionExposure(tree.http) : null;
  if (exposure) {
    issues.push({ path: "http.auth_token", message: `${exposure} (${EXPOSURE_ADVICE})` });
  }

  const sftp = tree.sftp_storage;
  if (isMapping(sftp) && sftp.enabled === true) {
    for (const key of ["hostname", "username"]) {
      if (sftp[key] == null) {
        issues.push({
          path: `sftp_storage.${key}`,
          message: `required when sftp_storage.enabled is true (${hintAt(["sftp_storage", key])})`,
        });
      }
    }
    if (sftp.private_key_path == null && sftp.password == null) {
      issues.push({
        path: "sftp_storage",
        message:
          "no way to log in (give private_key_path or password when sftp_storage.enabled is true)",
      });
    }
    // There is no "accept any key" mode: an unverified host could receive every notification.
    if (sftp.host_key_fingerprint == null && sftp.known_hosts_path == null) {
      const host = typeof sftp.hostname === "string" ? sftp.hostname : "<hostname>";
      const port = typeof sftp.port === "number" && sftp.port !== 22 ? ` -p ${sftp.port}` : "";
      issues.push({
        path: "sftp_storage.host_key_fingerprint",
        message: "the SFTP server's host key must be pinned (set host_key_fingerprint to the " +
          `"SHA256:…" that \`ssh-keyscan${port} ${host} | ssh-keygen -lf -\` prints after you ` +
          "checked it with the server's owner, or known_hosts_path to a known_hosts file)",
      });
    }
  }

  const objects = tree.object_storage;
  if (isMapping(objects) && objects.enabled === true) {
    for (const key of ["endpoint", "bucket", "access_key_id", "secret_access_key"]) {
      if (objects[key] == null) {
        issues.push({
          path: `object_storage.${key}`,
          message: `required when object_storage.enabled is true (${
            hintAt(["object_storage", key])
          })`,
        });
      }
    }
  }
  return issues;
}

/** The exposure rule on the file as written, defaults in place of absent keys. */
function productionExposure(http: unknown): string | null {
  const section = http == null ? {} : http;
  if (!isMapping(section)) return null;
  const enabled = section.enabled ?? DEFAULTS.http.enabled;
  const hostname = section.hostname ?? DEFAULTS.http.hostname;
  const port = section.port ?? DEFAULTS.http.port;
  // A key of the wrong type is reported by the schema; the rule waits until it is right.
  if (typeof enabled !== "boolean" || typeof hostname !== "string" || typeof port !== "number") {
    return null;
  }
  const exposure = listenerExposure({
    enabled,
    hostname,
    port,
    hasAuthToken: section.auth_token != null,
  });
  return exposure && `required in production: ${exposure.replace(/^not set while /, "")}`;
}
