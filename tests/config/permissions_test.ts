import assert from "node:assert/strict";
import { parseConfig, referencedVariables } from "../../src/config/load.ts";
import { denoRunFlags, permissionsFor, shellWord } from "../../src/config/permissions.ts";

const ENV: Record<string, string> = {
  DNB_CLIENT_ID: "id",
  DNB_CLIENT_SECRET: "secret",
  DATABASE_URL: "postgresql://traceone:pw@db.internal:6543/traceone",
  SFTP_HOSTNAME: "sftp.example.com",
};

const PRODUCTION = `
environment: production
dnb_api:
  base_url: "\${DNB_BASE_URL:-https://plus.dnb.com}"
  client_id: "\${DNB_CLIENT_ID}"
  client_secret: "\${DNB_CLIENT_SECRET}"
database:
  enabled: true
  url: "\${DATABASE_URL}"
sftp_storage:
  enabled: true
  hostname: "\${SFTP_HOSTNAME}"
  username: traceone
  private_key_path: /etc/traceone/id_ed25519
  host_key_fingerprint: "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"
local_storage:
  enabled: true
  base_path: /var/lib/traceone/notifications
state:
  kv_path: /var/lib/traceone/state/state.kv
http:
  hostname: 127.0.0.1
  port: 8080
# a comment naming \${NOT_READ} grants nothing
`;

function load(text: string) {
  return parseConfig(text, {
    source: "/etc/traceone/production.yaml",
    env: (name) => ENV[name],
    cwd: "/opt/traceone",
    home: "/home/traceone",
  });
}

Deno.test("referencedVariables: every ${VAR} in values, defaults' included; comments and $${ } literals are not", () => {
  assert.deepEqual(
    referencedVariables('a: "${A:-${B}}"\nb: "$${LITERAL}"\n# ${COMMENT}\nc: "${C:?say}"\n'),
    ["A", "B", "C"],
  );
});

Deno.test("permissions of a production file: its paths, its hosts and its variables, nothing else", () => {
  const set = permissionsFor(load(PRODUCTION), {
    configPath: "/etc/traceone/production.yaml",
    variables: referencedVariables(PRODUCTION),
    sourceRoot: "/opt/traceone",
  });
  assert.deepEqual(set, {
    read: [
      "/etc/traceone/id_ed25519",
      "/etc/traceone/production.yaml",
      "/var/lib/traceone/notifications",
      "/var/lib/traceone/state",
    ],
    write: ["/var/lib/traceone/notifications", "/var/lib/traceone/state"],
    net: ["127.0.0.1:8080", "db.internal:6543", "plus.dnb.com:443", "sftp.example.com:22"],
    env: [
      "CLICOLOR_FORCE",
      "DATABASE_URL",
      "DNB_BASE_URL",
      "DNB_CLIENT_ID",
      "DNB_CLIENT_SECRET",
      "FORCE_COLOR",
      "HOME",
      "NO_COLOR",
      "PG*",
      "SFTP_HOSTNAME",
      "TRACEONE_CONFIG",
      "TRACEONE_HTTP_TOKEN",
      "USER",
    ],
  });
  assert.deepEqual(denoRunFlags(set).map((flag) => flag.split("=")[0]), [
    "--allow-read",
    "--allow-write",
    "--allow-net",
    "--allow-env",
  ]);
});

Deno.test("permissions of the embedded shape: SQLite's folder and the worker's source, the simulator's loopback host, port 0 as the bare host", () => {
  const text = `
simulator:
  enabled: true
  port: 0
database:
  enabled: true
  url: "sqlite:./data/traceone.db"
state:
  kv_path: ./data/state.kv
local_storage:
  enabled: false
http:
  hostname: "::1"
  port: 0
`;
  const set = permissionsFor(load(text), {
    configPath: null,
    variables: [],
    sourceRoot: "/opt/traceone",
  });
  assert.deepEqual(set.read, ["/opt/traceone/data", "/opt/traceone/src/db"]);
  assert.deepEqual(set.write, ["/opt/traceone/data"]);
  assert.deepEqual(set.net, ["127.0.0.1", "[::1]"]);
  // A compiled binary carries the worker: no source to read.
  const compiled = permissionsFor(load(text), {
    configPath: null,
    variables: [],
    sourceRoot: null,
  });
  assert.deepEqual(compiled.read, ["/opt/traceone/data"]);
});

Deno.test("shellWord quotes only what a shell would split or expand", () => {
  assert.equal(shellWord("--allow-read=/a/b,/c"), "--allow-read=/a/b,/c");
  assert.equal(shellWord("--allow-read=/my files"), "'--allow-read=/my files'");
  assert.equal(shellWord("it's"), `'it'\\''s'`);
});

Deno.test("a path inside another granted one is not listed again", () => {
  const text = `
simulator:
  enabled: true
database:
  enabled: false
state:
  kv_path: /srv/traceone/state.kv
local_storage:
  base_path: /srv/traceone/notifications
`;
  const set = permissionsFor(load(text), { configPath: null, variables: [], sourceRoot: null });
  assert.deepEqual(set.read, ["/srv/traceone"]);
  assert.deepEqual(set.write, ["/srv/traceone"]);
});

Deno.test("permissions of an object store: net to the endpoint's host and port, the bucket's own host when virtual-hosted", () => {
  const text = (endpoint: string, pathStyle: boolean) => `
simulator:
  enabled: true
database:
  enabled: false
local_storage:
  enabled: false
http:
  enabled: false
object_storage:
  enabled: true
  endpoint: "${endpoint}"
  bucket: traceone
  access_key_id: AKID
  secret_access_key: "\${S3_SECRET_ACCESS_KEY}"
  path_style: ${pathStyle}
`;
  const netOf = (endpoint: string, pathStyle: boolean) =>
    permissionsFor(
      parseConfig(text(endpoint, pathStyle), {
        source: null,
        env: (name) => name === "S3_SECRET_ACCESS_KEY" ? "s3-secret-value" : undefined,
        cwd: "/opt/traceone",
        home: null,
      }),
      { configPath: null, variables: ["S3_SECRET_ACCESS_KEY"], sourceRoot: null },
    ).net;
  assert.deepEqual(netOf("https://s3.eu-west-1.amazonaws.com", true), [
    "127.0.0.1",
    "s3.eu-west-1.amazonaws.com:443",
  ]);
  assert.deepEqual(netOf("https://s3.eu-west-1.amazonaws.com", false), [
    "127.0.0.1",
    "traceone.s3.eu-west-1.amazonaws.com:443",
  ]);
  // A loopback MinIO on its own port: already covered by the simulator's bare 127.0.0.1.
  assert.deepEqual(netOf("http://127.0.0.1:9000", true), ["127.0.0.1"]);
  assert.deepEqual(netOf("http://localhost:9000/", true), ["127.0.0.1", "localhost:9000"]);
});

Deno.test("a KV Connect state.kv_path: net to its host and DENO_KV_ACCESS_TOKEN, no folder", () => {
  const text = `
simulator:
  enabled: true
database:
  enabled: false
local_storage:
  enabled: false
state:
  kv_path: "https://kv.example.com:4512"
`;
  const set = permissionsFor(load(text), { configPath: null, variables: [], sourceRoot: null });
  assert.deepEqual(set.read, []);
  assert.deepEqual(set.write, []);
  assert.ok(set.net.includes("kv.example.com:4512"), set.net.join(","));
  assert.ok(set.env.includes("DENO_KV_ACCESS_TOKEN"));
});

Deno.test("monitoring.sync: its list file is readable, and from_sql reaches the database even with the SQL sink off", () => {
  const text = `
simulator:
  enabled: true
local_storage:
  enabled: false
database:
  enabled: false
  url: "postgresql://traceone:pw@db.internal/traceone"
state:
  kv_path: /srv/state/state.kv
monitoring:
  sync:
    - registration: SUPPLIERS
      file: /etc/traceone/suppliers.csv
    - registration: CUSTOMERS
      from_sql: "SELECT duns FROM customers"
`;
  const set = permissionsFor(load(text), { configPath: null, variables: [], sourceRoot: null });
  assert.ok(set.read.includes("/etc/traceone/suppliers.csv"), set.read.join(","));
  assert.ok(set.net.includes("db.internal:5432"), set.net.join(","));
  assert.ok(set.env.includes("PG*"));
});
