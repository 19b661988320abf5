import assert from "node:assert/strict";
import { type ConfigIssue, formatIssue } from "../../src/config/errors.ts";
import { validateFileConfig } from "../../src/config/schema.ts";

const CREDENTIALS = { client_id: "id", client_secret: "secret" };

/** The messages for a tree that is valid apart from `overrides`. */
function problems(tree: Record<string, unknown>): string[] {
  const result = validateFileConfig({ dnb_api: CREDENTIALS, ...tree });
  return result.ok ? [] : result.issues.map(formatIssue);
}

function issuesOf(tree: unknown): ConfigIssue[] {
  const result = validateFileConfig(tree);
  return result.ok ? [] : result.issues;
}

Deno.test("validateFileConfig accepts an empty simulator configuration", () => {
  const result = validateFileConfig({ simulator: { enabled: true } });
  assert.ok(result.ok);
});

Deno.test("validateFileConfig treats null (a section with every key commented out) as absent", () => {
  assert.deepEqual(problems({ monitoring: null, sftp_storage: { port: null } }), []);
});

Deno.test("validateFileConfig names the wrong type, the value and what is expected", () => {
  assert.deepEqual(problems({ monitoring: { polling_interval: "often" } }), [
    'monitoring.polling_interval: expected a number, got string "often" (seconds between polls, e.g. 300)',
  ]);
  assert.deepEqual(problems({ debug: "yes" }), ['debug: expected true or false, got string "yes"']);
  assert.deepEqual(problems({ dnb_api: "plus.dnb.com" }), [
    'dnb_api: expected a mapping, got string "plus.dnb.com" (a mapping of D&B Direct+ API settings)',
  ]);
  assert.deepEqual(problems({ dnb_api: { ...CREDENTIALS, max_retries: 2.5 } }), [
    "dnb_api.max_retries: expected an integer, got number 2.5 (retries after the first attempt, e.g. 5)",
  ]);
});

Deno.test("validateFileConfig tells to quote numbers where text is expected", () => {
  assert.deepEqual(problems({ local_storage: { file_permissions: 640 } }), [
    'local_storage.file_permissions: expected a string, got number 640; put it in quotes (an octal mode, e.g. "0640")',
  ]);
  assert.deepEqual(
    problems({
      simulator: { registrations: [{ reference: "R", duns: [12345678, "12345"] }] },
    }),
    [
      'simulator.registrations[0].duns[0]: expected a string, got number 12345678; put it in quotes (a 9-digit DUNS number, e.g. "012345678"; quotes keep leading zeros)',
      'simulator.registrations[0].duns[1]: not a 9-digit DUNS number: "12345" (a 9-digit DUNS number, e.g. "012345678"; quotes keep leading zeros)',
    ],
  );
});

Deno.test("validateFileConfig rejects unknown keys, listing the known ones", () => {
  assert.deepEqual(problems({ dnb_api: { ...CREDENTIALS, ratelimit: 5 } }), [
    "dnb_api.ratelimit: unknown key (expected one of: base_url, client_id, client_secret, rate_limit, token_version, token_refresh_buffer, timeout, max_retries, retry_base_delay, retry_max_delay, circuit_breaker, subject_paths, replay_max_notifications, retry_after_max, max_response_bytes; did you mean rate_limit?)",
  ]);
  assert.deepEqual(problems({ sftp: { enabled: true } }), [
    "sftp: unknown key (expected one of: environment, debug, dnb_api, database, monitoring, sftp_storage, local_storage, object_storage, state, pipeline, http, simulator, alerts)",
  ]);
  assert.deepEqual(problems({ dnb_api: { ...CREDENTIALS, circuit_breaker: { treshold: 3 } } }), [
    "dnb_api.circuit_breaker.treshold: unknown key (expected one of: failure_threshold, reset_timeout)",
  ]);
});

Deno.test("validateFileConfig reports values out of range", () => {
  assert.deepEqual(problems({ monitoring: { max_notifications: 500 } }), [
    "monitoring.max_notifications: must be at most 100, got number 500 (notifications per pull, 1 to 100)",
  ]);
  assert.deepEqual(problems({ monitoring: { max_notifications: 0 } }), [
    "monitoring.max_notifications: must be at least 1, got number 0 (notifications per pull, 1 to 100)",
  ]);
  assert.deepEqual(problems({ dnb_api: { ...CREDENTIALS, rate_limit: 0 } }), [
    "dnb_api.rate_limit: must be greater than 0, got number 0 (requests per second, e.g. 5)",
  ]);
  assert.deepEqual(problems({ http: { port: 70000 } }), [
    "http.port: must be at most 65535, got number 70000 (the port to listen on, 0 to 65535, e.g. 8080)",
  ]);
  // "" is Deno Deploy's own KV (deploy.ts); the CLI refuses it when opening the state.
  assert.deepEqual(problems({ state: { kv_path: "" } }), []);
});

Deno.test("validateFileConfig lists the allowed values of an enum", () => {
  assert.deepEqual(problems({ environment: "prod" }), [
    'environment: unknown value "prod" (expected one of: development, test, staging, production)',
  ]);
  assert.deepEqual(problems({ local_storage: { file_format: "yaml" } }), [
    'local_storage.file_format: unknown value "yaml" (expected one of: json, ndjson, csv, xml)',
  ]);
});

Deno.test("validateFileConfig allows plain http for loopback hosts only", () => {
  const withBase = (base_url: string) => problems({ dnb_api: { ...CREDENTIALS, base_url } });
  assert.deepEqual(withBase("http://127.0.0.1:8081"), []);
  assert.deepEqual(withBase("http://localhost:8081"), []);
  assert.deepEqual(withBase("http://[::1]:8081"), []);
  assert.deepEqual(withBase("http://plus.dnb.com"), [
    'dnb_api.base_url: plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost), got "http://plus.dnb.com" (the Direct+ API root, e.g. https://plus.dnb.com)',
  ]);
  assert.deepEqual(withBase("plus.dnb.com"), [
    'dnb_api.base_url: not a URL: "plus.dnb.com" (the Direct+ API root, e.g. https://plus.dnb.com)',
  ]);
});

Deno.test("validateFileConfig checks cron schedules, fingerprints and database URLs", () => {
  assert.deepEqual(problems({ monitoring: { schedule: "*/5 * * * *" } }), []);
  assert.deepEqual(problems({ monitoring: { schedule: "every 5 minutes" } }), [
    'monitoring.schedule: "every 5 minutes" is not a schedule Deno.cron accepts: it has 3 fields, not 5 (5 fields in UTC as Deno.cron reads them: minute hour day-of-month month day-of-week, e.g. "*/5 * * * *"; day-of-week is 1-7 with 1 = Sunday, or SUN-SAT; or null to use polling_interval)',
  ]);
  // What `run` used to die on in Deno.cron with no key named.
  assert.match(
    problems({ monitoring: { schedule: "61 * * * *" } })[0],
    /^monitoring\.schedule: "61 \* \* \* \*" is not a schedule Deno\.cron accepts: minute: 61 is out of range \(0-59\)/,
  );
  const fingerprint = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8";
  const sftp = { enabled: true, hostname: "h", username: "u", password: "p" };
  assert.deepEqual(problems({ sftp_storage: { ...sftp, host_key_fingerprint: fingerprint } }), []);
  assert.deepEqual(problems({ sftp_storage: { ...sftp, host_key_fingerprint: "MD5:ab:cd" } }), [
    'sftp_storage.host_key_fingerprint: not a SHA256 fingerprint: "MD5:ab:cd" (the server host key as "ssh-keygen -lf <key>" prints it, e.g. "SHA256:" and 43 base64 characters)',
  ]);
  for (const url of ["sqlite:./x.db", "postgres://u:p@h/db", "postgresql://h/db"]) {
    assert.deepEqual(problems({ database: { url } }), [], url);
  }
  assert.deepEqual(problems({ database: { url: "mysql://u:p@h/db" } }), [
    "database.url: not a supported database URL (sqlite:<path>, postgres://… or postgresql://…, e.g. sqlite:./data/traceone.db)",
  ]);
});

Deno.test("validateFileConfig demands D&B credentials unless the simulator is enabled", () => {
  assert.deepEqual(issuesOf({}), [
    {
      path: "dnb_api.client_id",
      message: 'missing (the Consumer Key of your D&B account, e.g. "${DNB_CLIENT_ID}")',
    },
    {
      path: "dnb_api.client_secret",
      message: 'missing (the Consumer Secret of your D&B account, e.g. "${DNB_CLIENT_SECRET}")',
    },
  ]);
  assert.deepEqual(issuesOf({ simulator: { enabled: false }, dnb_api: { client_id: "id" } }), [
    {
      path: "dnb_api.client_secret",
      message: 'missing (the Consumer Secret of your D&B account, e.g. "${DNB_CLIENT_SECRET}")',
    },
  ]);
  assert.deepEqual(issuesOf({ simulator: { enabled: true } }), []);
});

Deno.test("validateFileConfig refuses the simulator in production", () => {
  assert.deepEqual(issuesOf({ environment: "production", simulator: { enabled: true } }), [{
    path: "simulator.enabled",
    message:
      "the simulator cannot run in production (set simulator.enabled: false and give the D&B credentials in dnb_api)",
  }]);
});

Deno.test("validateFileConfig demands host, user and a login method for an enabled SFTP", () => {
  assert.deepEqual(problems({ sftp_storage: { enabled: true } }), [
    "sftp_storage.hostname: required when sftp_storage.enabled is true (the SFTP server's host name, e.g. sftp.example.com)",
    "sftp_storage.username: required when sftp_storage.enabled is true (the SSH user name)",
    "sftp_storage: no way to log in (give private_key_path or password when sftp_storage.enabled is true)",
    "sftp_storage.host_key_fingerprint: the SFTP server's host key must be pinned (set host_key_fingerprint to the \"SHA256:…\" that `ssh-keyscan <hostname> | ssh-keygen -lf -` prints after you checked it with the server's owner, or known_hosts_path to a known_hosts file)",
  ]);
  const withKey = { enabled: true, hostname: "h", username: "u", private_key_path: "~/.ssh/k" };
  assert.deepEqual(problems({ sftp_storage: { ...withKey, port: 2222 } }), [
    "sftp_storage.host_key_fingerprint: the SFTP server's host key must be pinned (set host_key_fingerprint to the \"SHA256:…\" that `ssh-keyscan -p 2222 h | ssh-keygen -lf -` prints after you checked it with the server's owner, or known_hosts_path to a known_hosts file)",
  ]);
  assert.deepEqual(
    problems({ sftp_storage: { ...withKey, known_hosts_path: "~/.ssh/known_hosts" } }),
    [],
  );
  assert.deepEqual(problems({ sftp_storage: { hostname: "h" } }), []);
});

Deno.test("validateFileConfig demands endpoint, bucket and credentials for an enabled object store", () => {
  assert.deepEqual(problems({ object_storage: { enabled: true } }), [
    "object_storage.endpoint: required when object_storage.enabled is true (the S3-compatible service root, e.g. https://s3.eu-west-1.amazonaws.com; plain http only for loopback, e.g. http://127.0.0.1:9000)",
    "object_storage.bucket: required when object_storage.enabled is true (the bucket name, e.g. traceone)",
    'object_storage.access_key_id: required when object_storage.enabled is true (the access key id, e.g. "${S3_ACCESS_KEY_ID}")',
    'object_storage.secret_access_key: required when object_storage.enabled is true (the secret access key, e.g. "${S3_SECRET_ACCESS_KEY}")',
  ]);
  const complete = {
    enabled: true,
    endpoint: "https://s3.eu-west-1.amazonaws.com",
    bucket: "traceone",
    access_key_id: "AKID",
    secret_access_key: "s3-Secret-Value-1",
  };
  assert.deepEqual(problems({ object_storage: complete }), []);
  assert.deepEqual(problems({ object_storage: { bucket: "x" } }), [
    'object_storage.bucket: not a bucket name: "x"; S3 buckets are 3 to 63 characters of lowercase letters, digits, dots and hyphens (the bucket name, e.g. traceone)',
  ]);
});

Deno.test("object_storage.endpoint: https, plain http for loopback only, no path or credentials", () => {
  const endpoint = (value: string) =>
    problems({ object_storage: { endpoint: value } }).map((message) =>
      message.replace(/ \(the S3-compatible service root.*\)$/, "")
    );
  assert.deepEqual(endpoint("https://s3.eu-west-1.amazonaws.com"), []);
  assert.deepEqual(endpoint("https://acct.r2.cloudflarestorage.com/"), []);
  assert.deepEqual(endpoint("http://127.0.0.1:9000"), []);
  assert.deepEqual(endpoint("http://s3.example.com"), [
    'object_storage.endpoint: plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost), got "http://s3.example.com"',
  ]);
  assert.deepEqual(endpoint("https://s3.example.com/traceone"), [
    'object_storage.endpoint: must be the service root without a path, query or bucket, got "https://s3.example.com/traceone" (the bucket goes in object_storage.bucket)',
  ]);
  assert.deepEqual(endpoint("https://key:pw@s3.example.com"), [
    "object_storage.endpoint: must not hold credentials (give them as access_key_id and secret_access_key)",
  ]);
});

Deno.test("object_storage.prefix: segments that stay as written, nothing that climbs", () => {
  const prefix = (value: string) => problems({ object_storage: { prefix: value } });
  assert.deepEqual(prefix("notifications"), []);
  assert.deepEqual(prefix("/archive/dnb/"), []);
  assert.deepEqual(prefix(""), []);
  for (const bad of ["a/../b", "a//b", "a b", "ä"]) {
    assert.equal(prefix(bad).length, 1, bad);
    assert.match(prefix(bad)[0], /^object_storage\.prefix: the segment/);
  }
});

Deno.test("validateFileConfig never repeats a secret's value", () => {
  const secret = 918273645546372;
  const messages = problems({
    dnb_api: { client_id: "id", client_secret: secret },
    http: { auth_token: ["Tok-51c7e7-list"] },
    database: { url: "mysql://user:Pw-8d1e4b@host/db" },
    sftp_storage: { password: true, passphrase: 123456789012 },
  });
  assert.deepEqual(messages, [
    'dnb_api.client_secret: expected a string, got a number; put it in quotes (the Consumer Secret of your D&B account, e.g. "${DNB_CLIENT_SECRET}")',
    "database.url: not a supported database URL (sqlite:<path>, postgres://… or postgresql://…, e.g. sqlite:./data/traceone.db)",
    'sftp_storage.passphrase: expected a string, got a number; put it in quotes (the private key\'s passphrase, e.g. "${SFTP_KEY_PASSPHRASE}")',
    'sftp_storage.password: expected a string, got a boolean; put it in quotes (the SSH password, e.g. "${SFTP_PASSWORD}")',
    'http.auth_token: expected a string, got a list (the bearer token for the API, at least 32 characters: generate one with `openssl rand -hex 32` and give it as e.g. "${TRACEONE_HTTP_TOKEN}")',
  ]);
  const all = messages.join("\n");
  for (const value of [String(secret), "Tok-51c7e7", "Pw-8d1e4b", "123456789012"]) {
    assert.ok(!all.includes(value), `${value} leaked`);
  }
});

Deno.test("validateFileConfig reports every problem at once", () => {
  const messages = problems({
    environment: "prod",
    monitoring: { polling_interval: "often", max_notifications: 500 },
    colour: "blue",
    sftp_storage: { enabled: true, hostname: "h", username: "u" },
  });
  assert.deepEqual(messages, [
    'environment: unknown value "prod" (expected one of: development, test, staging, production)',
    'monitoring.polling_interval: expected a number, got string "often" (seconds between polls, e.g. 300)',
    "monitoring.max_notifications: must be at most 100, got number 500 (notifications per pull, 1 to 100)",
    "colour: unknown key (expected one of: environment, debug, dnb_api, database, monitoring, sftp_storage, local_storage, object_storage, state, pipeline, http, simulator, alerts)",
    "sftp_storage: no way to log in (give private_key_path or password when sftp_storage.enabled is true)",
    "sftp_storage.host_key_fingerprint: the SFTP server's host key must be pinned (set host_key_fingerprint to the \"SHA256:…\" that `ssh-keyscan h | ssh-keygen -lf -` prints after you checked it with the server's owner, or known_hosts_path to a known_hosts file)",
  ]);
});

Deno.test("validateFileConfig refuses references no URL can carry, naming the entry", () => {
  const messages = problems({ monitoring: { registrations: ["OK", ".", ".."] } });
  assert.equal(messages.length, 2, messages.join("\n"));
  assert.match(
    messages[0],
    /^monitoring\.registrations\[1\]: the registration reference "\." cannot be sent/,
  );
  assert.match(messages[1], /^monitoring\.registrations\[2\]: .*"\.\."/);
});

Deno.test("http.auth_token shorter than 32 characters is an error that says how to make one, never the value", () => {
  const short = "Tok-9c2e-short-secret";
  const messages = problems({ http: { auth_token: short } });
  assert.equal(messages.length, 1);
  assert.match(messages[0], /^http\.auth_token: too short: a token needs at least 32 characters/);
  assert.match(messages[0], /openssl rand -hex 32/);
  assert.ok(!messages[0].includes(short), "the token leaked");
  assert.ok(!messages[0].includes(String(short.length)), "its length leaked");
  assert.deepEqual(problems({ http: { auth_token: "" } }).map((m) => m.split(" (")[0]), [
    "http.auth_token: must not be empty",
  ]);
  assert.deepEqual(problems({ http: { auth_token: "a".repeat(32) } }), []);
  assert.deepEqual(problems({ http: { auth_token: "0123456789abcdef".repeat(4) } }), []);
});

Deno.test("http.allowed_hosts takes host names with an optional port, nothing else", () => {
  assert.deepEqual(
    problems({
      http: { allowed_hosts: ["monitor.example.com", "ops:8443", "10.0.0.5", "[fd00::5]:8080"] },
    }),
    [],
  );
  const messages = problems({
    http: { allowed_hosts: ["https://monitor.example.com", "*.example.com", "a b", "x:70000"] },
  });
  assert.deepEqual(messages.map((m) => m.split(":")[0]), [
    "http.allowed_hosts[0]",
    "http.allowed_hosts[1]",
    "http.allowed_hosts[2]",
    "http.allowed_hosts[3]",
  ]);
  assert.match(
    messages[0],
    /not a host name: "https:\/\/monitor\.example\.com"; give the name alone/,
  );
  assert.deepEqual(problems({ http: { allowed_hosts: "monitor.example.com" } }).length, 1);
});

Deno.test("monitoring.sync: each entry names its list as file or from_sql, exactly one", () => {
  const rule = /^monitoring\.sync\[0\]\.file: give the wanted list as file or from_sql/;
  assert.match(problems({ monitoring: { sync: [{ registration: "R" }] } })[0], rule);
  const both = { registration: "R", file: "a.csv", from_sql: "SELECT 1" };
  assert.match(problems({ monitoring: { sync: [both] } })[0], rule);
  assert.deepEqual(
    problems({
      monitoring: { sync: [{ registration: "R", file: "a.csv", max_remove_percent: 150 }] },
    })
      .length,
    1,
  );
  assert.deepEqual(problems({ monitoring: { sync: [{ registration: "R", file: "a.csv" }] } }), []);
});
