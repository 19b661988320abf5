import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/errors.ts";
import { parseFileMode, resolveConfig, type ResolveOptions } from "../../src/config/resolve.ts";
import type { FileConfig } from "../../src/config/schema.ts";
import { Secret } from "../../src/model/secret.ts";

const OPTIONS: ResolveOptions = { cwd: "/srv/traceone", home: "/home/ops", source: "test.yaml" };
const CREDENTIALS = { client_id: "id", client_secret: "Sec-3e9a" };

function resolveWith(file: FileConfig, options: Partial<ResolveOptions> = {}) {
  return resolveConfig(file, { ...OPTIONS, ...options });
}

Deno.test("resolveConfig fills every default", () => {
  const config = resolveWith({ dnb_api: CREDENTIALS });
  assert.equal(config.environment, "development");
  assert.equal(config.debug, false);
  assert.equal(config.source, "test.yaml");
  assert.equal(config.dnb_api.base_url, "https://plus.dnb.com");
  assert.equal(config.dnb_api.rate_limit, 5);
  assert.equal(config.dnb_api.token_version, "v3");
  assert.equal(config.dnb_api.retry_base_delay, 0.5);
  assert.deepEqual(config.dnb_api.circuit_breaker, { failure_threshold: 5, reset_timeout: 30 });
  assert.equal(config.database.url.reveal(), "sqlite:/srv/traceone/data/traceone.db");
  assert.deepEqual(config.monitoring, {
    polling_interval: 300,
    schedule: null,
    max_notifications: 100,
    notification_batch_size: 50,
    registrations: [],
    max_pulls_per_tick: 100,
    sync: [],
  });
  assert.equal(config.sftp_storage.enabled, false);
  assert.equal(config.sftp_storage.port, 22);
  assert.equal(config.sftp_storage.connections, 4);
  assert.deepEqual({ ...config.object_storage, secret_access_key: null }, {
    enabled: false,
    endpoint: "",
    bucket: "",
    region: "us-east-1",
    access_key_id: "",
    secret_access_key: null,
    prefix: "notifications",
    path_style: true,
    file_format: "json",
    compress: false,
    organize_by_date: true,
    timeout: 30,
  });
  assert.ok(config.object_storage.secret_access_key.isEmpty);
  assert.equal(config.local_storage.base_path, "/srv/traceone/notifications");
  assert.equal(config.local_storage.file_permissions, 0o640);
  assert.deepEqual(config.state, {
    kv_path: "/srv/traceone/data/state.kv",
    retention_days: 14,
    token_key: null,
  });
  assert.deepEqual(config.http, {
    enabled: true,
    hostname: "127.0.0.1",
    port: 8080,
    auth_token: null,
    allowed_hosts: [],
    readiness_sink_failure: 300,
    readiness_registration_failure: 300,
  });
  assert.deepEqual(config.simulator, {
    enabled: false,
    hostname: "127.0.0.1",
    port: 0,
    registrations: [],
    notifications_per_minute: 6,
    initial_backlog: 0,
    rate_limit: 5,
  });
  assert.deepEqual(config.pipeline, {
    sink_retry_base_delay: 1,
    sink_retry_max_delay: 60,
    sink_failure_threshold: 5,
    sink_reset_timeout: 30,
    dead_letter_after: 5,
    shutdown_timeout: 10,
    lease_ttl: 60,
  });
});

Deno.test("resolveConfig resolves relative paths against cwd and keeps absolute ones", () => {
  const config = resolveWith({
    dnb_api: CREDENTIALS,
    database: { url: "sqlite:db/../x.db" },
    sftp_storage: { private_key_path: "keys/id", known_hosts_path: "/etc/ssh/known_hosts" },
    local_storage: { base_path: "out" },
    state: { kv_path: "/var/lib/t/state.kv" },
  });
  assert.equal(config.database.url.reveal(), "sqlite:/srv/traceone/x.db");
  assert.equal(config.sftp_storage.private_key_path, "/srv/traceone/keys/id");
  assert.equal(config.sftp_storage.known_hosts_path, "/etc/ssh/known_hosts");
  assert.equal(config.local_storage.base_path, "/srv/traceone/out");
  assert.equal(config.state.kv_path, "/var/lib/t/state.kv");
});

Deno.test("resolveConfig expands a leading ~ to the home directory", () => {
  const config = resolveWith({
    dnb_api: CREDENTIALS,
    database: { url: "sqlite:~/t.db" },
    sftp_storage: { private_key_path: "~/.ssh/id_rsa", known_hosts_path: "~" },
    local_storage: { base_path: "~/notifications" },
    state: { kv_path: "~not-home/state.kv" },
  });
  assert.equal(config.database.url.reveal(), "sqlite:/home/ops/t.db");
  assert.equal(config.sftp_storage.private_key_path, "/home/ops/.ssh/id_rsa");
  assert.equal(config.sftp_storage.known_hosts_path, "/home/ops");
  assert.equal(config.local_storage.base_path, "/home/ops/notifications");
  assert.equal(config.state.kv_path, "/srv/traceone/~not-home/state.kv");
});

Deno.test("resolveConfig reports ~ when the home directory is unknown", () => {
  assert.throws(
    () =>
      resolveWith({ dnb_api: CREDENTIALS, local_storage: { base_path: "~/n" } }, { home: null }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(
        error.message,
        'local_storage.base_path: cannot expand "~": the home directory is unknown (set HOME, or give an absolute path)',
      );
      return true;
    },
  );
});

Deno.test("resolveConfig leaves database URLs and KV locations that are not local files", () => {
  const postgres = resolveWith({
    dnb_api: CREDENTIALS,
    database: { url: "postgresql://u:p@db/traceone" },
    state: { kv_path: "https://api.deno.com/databases/x/connect" },
  });
  assert.equal(postgres.database.url.reveal(), "postgresql://u:p@db/traceone");
  assert.equal(postgres.state.kv_path, "https://api.deno.com/databases/x/connect");
  const memory = resolveWith({
    dnb_api: CREDENTIALS,
    database: { url: "sqlite::memory:" },
    state: { kv_path: ":memory:" },
  });
  assert.equal(memory.database.url.reveal(), "sqlite::memory:");
  assert.equal(memory.state.kv_path, ":memory:");
  const urlForm = resolveWith({ dnb_api: CREDENTIALS, database: { url: "sqlite:///data/t.db" } });
  assert.equal(urlForm.database.url.reveal(), "sqlite:/data/t.db");
});

Deno.test("resolveConfig parses file_permissions as octal", () => {
  const mode = (file_permissions: string) =>
    resolveWith({ dnb_api: CREDENTIALS, local_storage: { file_permissions } })
      .local_storage.file_permissions;
  assert.equal(mode("0640"), 0o640);
  assert.equal(mode("640"), 0o640);
  assert.equal(mode("0o600"), 0o600);
  assert.equal(mode("755"), 493);
  assert.equal(parseFileMode("0600"), 384);
});

Deno.test("resolveConfig wraps every secret", () => {
  const config = resolveWith({
    dnb_api: CREDENTIALS,
    sftp_storage: { password: "Pw-1", passphrase: "Pp-2" },
    http: { auth_token: "Tok-3-a7c1e9b5d3f2a8c6e4b0d9f1a3c5e7b9" },
    object_storage: { secret_access_key: "S3-Secret-4" },
  });
  const secrets = [
    config.dnb_api.client_secret,
    config.database.url,
    config.sftp_storage.password,
    config.sftp_storage.passphrase,
    config.http.auth_token,
    config.object_storage.secret_access_key,
  ];
  for (const secret of secrets) assert.ok(secret instanceof Secret);
  assert.deepEqual(secrets.map((secret) => secret?.reveal()), [
    "Sec-3e9a",
    "sqlite:/srv/traceone/data/traceone.db",
    "Pw-1",
    "Pp-2",
    "Tok-3-a7c1e9b5d3f2a8c6e4b0d9f1a3c5e7b9",
    "S3-Secret-4",
  ]);
  const printed = JSON.stringify(config);
  for (
    const value of [
      "Sec-3e9a",
      "Pw-1",
      "Pp-2",
      "Tok-3-a7c1e9b5d3f2a8c6e4b0d9f1a3c5e7b9",
      "S3-Secret-4",
    ]
  ) {
    assert.ok(!printed.includes(value));
  }
});

Deno.test("resolveConfig trims the object store's endpoint and prefix of their slashes", () => {
  const config = resolveWith({
    dnb_api: CREDENTIALS,
    object_storage: { endpoint: "http://127.0.0.1:9000/", prefix: "/archive/dnb/" },
  });
  assert.equal(config.object_storage.endpoint, "http://127.0.0.1:9000");
  assert.equal(config.object_storage.prefix, "archive/dnb");
});

Deno.test("resolveConfig gives simulator credentials only when the simulator is enabled", () => {
  const simulated = resolveWith({ simulator: { enabled: true } });
  assert.equal(simulated.dnb_api.client_id, "simulator");
  assert.equal(simulated.dnb_api.client_secret.reveal(), "simulator-secret");
  const given = resolveWith({ simulator: { enabled: true }, dnb_api: CREDENTIALS });
  assert.equal(given.dnb_api.client_id, "id");
  assert.equal(given.dnb_api.client_secret.reveal(), "Sec-3e9a");
});

Deno.test("resolveConfig copies simulator registrations and trims the base URL", () => {
  const registrations = [{ reference: "R", duns: ["012345678"] }];
  const config = resolveWith({
    dnb_api: { ...CREDENTIALS, base_url: "http://127.0.0.1:9000/" },
    simulator: { registrations },
  });
  assert.equal(config.dnb_api.base_url, "http://127.0.0.1:9000");
  assert.deepEqual(config.simulator.registrations, registrations);
  assert.notEqual(config.simulator.registrations[0].duns, registrations[0].duns);
});
