import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Config } from "../../src/config/config.ts";
import { ConfigError } from "../../src/config/errors.ts";
import {
  DEFAULT_CONFIG_PATH,
  loadConfig,
  parseConfig,
  type ParseConfigOptions,
} from "../../src/config/load.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/config/", import.meta.url));
const CWD = "/srv/traceone";
const HOME = "/home/ops";

function envOf(values: Record<string, string>) {
  return (name: string) => Object.hasOwn(values, name) ? values[name] : undefined;
}

function parse(text: string, env: Record<string, string> = {}): Config {
  const options: ParseConfigOptions = {
    source: "test.yaml",
    env: envOf(env),
    cwd: CWD,
    home: HOME,
  };
  return parseConfig(text, options);
}

function load(path: string, env: Record<string, string> = {}): Promise<Config> {
  return loadConfig(path, { env: envOf(env), cwd: ROOT, home: HOME });
}

/** The ConfigError `action` throws; fails the test when it throws anything else or nothing. */
async function configError(action: () => unknown): Promise<ConfigError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new assert.AssertionError({ message: "expected a ConfigError" });
}

const PRODUCTION_ENV = {
  DNB_CLIENT_ID: "prod-client",
  DNB_CLIENT_SECRET: "Prod-Secret-6b2f",
  DATABASE_URL: "postgresql://traceone:Db-Pass-41ac@db.internal:5432/traceone",
  SFTP_HOSTNAME: "sftp.example.com",
  SFTP_USERNAME: "traceone",
  SFTP_HOST_KEY_FINGERPRINT: "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
  TRACEONE_HTTP_TOKEN: "Http-Token-93d0-5b1e7c2a9f4d8e6b3a",
};

Deno.test("loadConfig reports a missing file and what to do", async () => {
  const error = await configError(() => load("config/nope.yaml"));
  assert.equal(
    error.message,
    "config/nope.yaml: cannot read the configuration file (NotFound) (give an existing file with --config)",
  );
  assert.equal(error.code, "CONFIG_INVALID");
  assert.equal(error.name, "ConfigError");
  assert.equal(error.source, "config/nope.yaml");
});

Deno.test("loadConfig reports a YAML syntax error with its line and column", async () => {
  const path = `${FIXTURES}syntax_error.yaml`;
  const error = await configError(() => load(path));
  assert.equal(
    error.message,
    `${path}: YAML syntax error at line 6, column 22: Nested mappings are not allowed in compact mappings`,
  );
});

Deno.test("parseConfig reports duplicate keys as a syntax error", async () => {
  const error = await configError(() => parse("debug: true\nenvironment: test\ndebug: false\n"));
  assert.equal(
    error.message,
    "test.yaml: YAML syntax error at line 3, column 1: Map keys must be unique",
  );
});

Deno.test("loadConfig reports substitution, schema and cross-field problems together", async () => {
  const error = await configError(() => load(`${FIXTURES}several_problems.yaml`));
  assert.equal(
    error.message,
    [
      "dnb_api.client_id: environment variable DNB_CLIENT_ID is not set (set it, or give a default: ${DNB_CLIENT_ID:-value})",
      "dnb_api.client_secret: DNB_CLIENT_SECRET is not set: the Consumer Secret of the D&B account",
      "sftp_storage.port: environment variable SFTP_PORT is not set (set it, or give a default: ${SFTP_PORT:-value})",
      'environment: unknown value "prod" (expected one of: development, test, staging, production)',
      "dnb_api.ratelimit: unknown key (expected one of: base_url, client_id, client_secret, rate_limit, token_version, token_refresh_buffer, timeout, max_retries, retry_base_delay, retry_max_delay, circuit_breaker, subject_paths, replay_max_notifications, retry_after_max, max_response_bytes; did you mean rate_limit?)",
      'monitoring.polling_interval: expected a number, got string "often" (seconds between polls, e.g. 300)',
      "monitoring.max_notifications: must be at most 100, got number 500 (notifications per pull, 1 to 100)",
      'local_storage.file_permissions: expected a string, got number 640; put it in quotes (an octal mode, e.g. "0640")',
      "sftp_storage.username: required when sftp_storage.enabled is true (the SSH user name)",
      "sftp_storage: no way to log in (give private_key_path or password when sftp_storage.enabled is true)",
      "sftp_storage.host_key_fingerprint: the SFTP server's host key must be pinned (set host_key_fingerprint to the \"SHA256:…\" that `ssh-keyscan sftp.example.com | ssh-keygen -lf -` prints after you checked it with the server's owner, or known_hosts_path to a known_hosts file)",
    ].join("\n"),
  );
  assert.equal(error.issues.length, 11);
  assert.deepEqual(error.issues[0], {
    path: "dnb_api.client_id",
    message:
      "environment variable DNB_CLIENT_ID is not set (set it, or give a default: ${DNB_CLIENT_ID:-value})",
  });
});

Deno.test("parseConfig uses a default when the variable is unset", () => {
  const text = 'simulator:\n  enabled: true\nlocal_storage:\n  base_path: "${OUT:-/data/out}"\n';
  assert.equal(parse(text).local_storage.base_path, "/data/out");
  assert.equal(parse(text, { OUT: "/mnt/n" }).local_storage.base_path, "/mnt/n");
});

Deno.test("parseConfig gives a lone unquoted reference the type of its value", () => {
  const text = [
    "debug: ${DEBUG:-false}",
    "simulator:",
    "  enabled: true",
    "sftp_storage:",
    "  port: ${SFTP_PORT:-22}",
    "dnb_api:",
    '  client_id: "${DNB_CLIENT_ID:-x}"',
    "",
  ].join("\n");
  const defaults = parse(text);
  assert.equal(defaults.debug, false);
  assert.equal(defaults.sftp_storage.port, 22);
  const set = parse(text, { DEBUG: "true", SFTP_PORT: "2222", DNB_CLIENT_ID: "12345" });
  assert.equal(set.debug, true);
  assert.equal(set.sftp_storage.port, 2222);
  // Quoted in the file, so text whatever the variable holds.
  assert.equal(set.dnb_api.client_id, "12345");
});

Deno.test("parseConfig reports a non-mapping document and treats an empty one as all defaults", async () => {
  const list = await configError(() => parse("- a\n- b\n"));
  assert.equal(list.message, "test.yaml: expected a mapping, got a list");
  const empty = await configError(() => parse("# nothing yet\n"));
  assert.deepEqual(empty.issues.map((issue) => issue.path), [
    "dnb_api.client_id",
    "dnb_api.client_secret",
  ]);
});

Deno.test("parseConfig never puts a secret from the environment in a message", async () => {
  const error = await configError(() =>
    parse('simulator:\n  enabled: true\ndatabase:\n  url: "${DATABASE_URL}"\n', {
      DATABASE_URL: "mysql://traceone:Leak-77f1@db/traceone",
    })
  );
  assert.equal(
    error.message,
    "database.url: not a supported database URL (sqlite:<path>, postgres://… or postgresql://…, e.g. sqlite:./data/traceone.db)",
  );
  assert.ok(!JSON.stringify(error.issues).includes("Leak-77f1"));
});

Deno.test({
  name: "parseConfig needs no environment permission",
  permissions: { env: false, read: false },
  fn() {
    const config = parse("simulator:\n  enabled: true\nhttp:\n  port: ${HTTP_PORT:-9090}\n");
    assert.equal(config.http.port, 9090);
  },
});

Deno.test("config/default.yaml loads without any environment and runs the simulator", async () => {
  assert.equal(DEFAULT_CONFIG_PATH, `${ROOT}config/default.yaml`);
  assert.ok(existsSync(DEFAULT_CONFIG_PATH));
  const config = await load("config/default.yaml");
  assert.equal(config.environment, "development");
  assert.equal(config.simulator.enabled, true);
  assert.equal(config.simulator.hostname, "127.0.0.1");
  assert.equal(config.simulator.port, 8181);
  assert.equal(config.simulator.notifications_per_minute, 6);
  assert.deepEqual(
    config.simulator.registrations.map((r) => [r.reference, r.duns.length]),
    [["TRACEONE_DEMO_SUPPLIERS", 5], ["TRACEONE_DEMO_CUSTOMERS", 3]],
  );
  const duns = config.simulator.registrations.flatMap((r) => r.duns);
  assert.ok(duns.every((d) => /^[0-9]{9}$/.test(d)));
  assert.ok(duns.some((d) => d.startsWith("0")));
  assert.equal(config.dnb_api.client_id, "simulator");
  assert.equal(config.monitoring.polling_interval, 60);
  assert.equal(config.state.kv_path, `${ROOT}data/state.kv`);
  assert.equal(config.database.url.reveal(), `sqlite:${ROOT}data/traceone.db`);
  assert.equal(config.local_storage.base_path, `${ROOT}notifications`);
  assert.equal(config.local_storage.file_format, "json");
  assert.deepEqual([config.http.hostname, config.http.port], ["127.0.0.1", 8080]);
});

Deno.test("config/production.example.yaml without its variables names each one", async () => {
  const error = await configError(() => load("config/production.example.yaml"));
  assert.deepEqual(error.message.split("\n"), [
    "dnb_api.client_id: environment variable DNB_CLIENT_ID is not set (set it, or give a default: ${DNB_CLIENT_ID:-value})",
    "dnb_api.client_secret: DNB_CLIENT_SECRET is not set: the Consumer Secret of the D&B account",
    "database.url: environment variable DATABASE_URL is not set (set it, or give a default: ${DATABASE_URL:-value})",
    "sftp_storage.hostname: environment variable SFTP_HOSTNAME is not set (set it, or give a default: ${SFTP_HOSTNAME:-value})",
    "sftp_storage.username: environment variable SFTP_USERNAME is not set (set it, or give a default: ${SFTP_USERNAME:-value})",
    "sftp_storage.host_key_fingerprint: environment variable SFTP_HOST_KEY_FINGERPRINT is not set (set it, or give a default: ${SFTP_HOST_KEY_FINGERPRINT:-value})",
    "http.auth_token: environment variable TRACEONE_HTTP_TOKEN is not set (set it, or give a default: ${TRACEONE_HTTP_TOKEN:-value})",
  ]);
});

Deno.test("config/production.example.yaml loads with its variables set", async () => {
  const config = await load("config/production.example.yaml", PRODUCTION_ENV);
  assert.equal(config.environment, "production");
  assert.equal(config.simulator.enabled, false);
  assert.equal(config.dnb_api.client_id, "prod-client");
  assert.equal(config.dnb_api.client_secret.reveal(), "Prod-Secret-6b2f");
  assert.equal(config.database.url.reveal(), PRODUCTION_ENV.DATABASE_URL);
  assert.equal(config.sftp_storage.enabled, true);
  assert.equal(config.sftp_storage.port, 22);
  assert.equal(config.sftp_storage.private_key_path, `${HOME}/.ssh/id_ed25519`);
  assert.equal(config.sftp_storage.host_key_fingerprint, PRODUCTION_ENV.SFTP_HOST_KEY_FINGERPRINT);
  assert.equal(config.local_storage.base_path, "/var/lib/traceone/notifications");
  assert.equal(config.http.auth_token?.reveal(), "Http-Token-93d0-5b1e7c2a9f4d8e6b3a");
  assert.equal(config.source, "config/production.example.yaml");
});

Deno.test("the original guide's example fails for its missing host key pin alone", async () => {
  const error = await configError(() =>
    load(`${FIXTURES}original_guide.yaml`, {
      DNB_CLIENT_ID: "guide-id",
      DNB_CLIENT_SECRET: "guide-secret",
      DATABASE_URL: "postgresql://user:pass@host/db",
    })
  );
  assert.deepEqual(error.issues.map((issue) => issue.path), ["sftp_storage.host_key_fingerprint"]);
  assert.match(error.message, /ssh-keyscan sftp\.example\.com \| ssh-keygen -lf -/);
});

Deno.test("the configuration example of the original guide loads once its host key is pinned", async () => {
  const config = await load(`${FIXTURES}original_guide_pinned.yaml`, {
    DNB_CLIENT_ID: "guide-id",
    DNB_CLIENT_SECRET: "guide-secret",
    DATABASE_URL: "postgresql://user:pass@host/db",
  });
  assert.equal(config.debug, true);
  assert.equal(config.dnb_api.client_id, "guide-id");
  assert.equal(config.dnb_api.rate_limit, 5);
  assert.equal(config.database.url.reveal(), "postgresql://user:pass@host/db");
  assert.equal(config.database.pool_size, 10);
  assert.equal(config.monitoring.polling_interval, 300);
  assert.equal(config.monitoring.notification_batch_size, 50);
  assert.equal(config.sftp_storage.hostname, "sftp.example.com");
  assert.equal(config.sftp_storage.private_key_path, `${HOME}/.ssh/id_rsa`);
  assert.equal(
    config.sftp_storage.host_key_fingerprint,
    "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
  );
  assert.equal(config.local_storage.base_path, `${ROOT}notifications`);
});

Deno.test("the original guide example fails without its variables", async () => {
  const error = await configError(() => load(`${FIXTURES}original_guide.yaml`));
  assert.deepEqual(error.issues.map((issue) => issue.path), [
    "dnb_api.client_id",
    "dnb_api.client_secret",
    "database.url",
    "sftp_storage.host_key_fingerprint",
  ]);
});
