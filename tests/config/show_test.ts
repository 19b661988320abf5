import assert from "node:assert/strict";
import type { Config } from "../../src/config/config.ts";
import { parseConfig } from "../../src/config/load.ts";
import { redactDatabaseUrl } from "../../src/config/database_url.ts";
import { effectiveConfigView, showConfig } from "../../src/config/show.ts";

const SECRETS = {
  DNB_CLIENT_SECRET: "Client-Secret-0c4d1e",
  DB_PASSWORD: "Db-Password-5a7b",
  SFTP_PASSWORD: "Sftp-Password-9e21",
  SFTP_PASSPHRASE: "Key-Passphrase-77aa",
  HTTP_TOKEN: "Http-Token-3f0c-7a1b9d2e5c8f4a6b0d",
  S3_SECRET_ACCESS_KEY: "S3-Secret-Key-e0b1c2",
};

const TEXT = `
dnb_api:
  client_id: client
  client_secret: "\${DNB_CLIENT_SECRET}"
database:
  url: "postgresql://traceone:\${DB_PASSWORD}@db.internal:5432/traceone"
sftp_storage:
  enabled: true
  hostname: sftp.example.com
  host_key_fingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"
  username: traceone
  password: "\${SFTP_PASSWORD}"
  passphrase: "\${SFTP_PASSPHRASE}"
http:
  auth_token: "\${HTTP_TOKEN}"
object_storage:
  enabled: true
  endpoint: https://s3.eu-west-1.amazonaws.com
  bucket: traceone
  region: eu-west-1
  access_key_id: AKIDSHOWN
  secret_access_key: "\${S3_SECRET_ACCESS_KEY}"
`;

function configWithSecrets(): Config {
  return parseConfig(TEXT, {
    source: "secrets.yaml",
    env: (name) => (SECRETS as Record<string, string>)[name],
    cwd: "/srv/traceone",
    home: "/home/ops",
  });
}

Deno.test("showConfig prints no secret", () => {
  const shown = showConfig(configWithSecrets());
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!shown.includes(value), `${name} leaked into config show`);
  }
  assert.match(shown, /^ {2}client_secret: "\*\*\*"$/m);
  assert.match(shown, /^ {2}password: "\*\*\*"$/m);
  assert.match(shown, /^ {2}passphrase: "\*\*\*"$/m);
  assert.match(shown, /^ {2}auth_token: "\*\*\*"$/m);
  assert.match(shown, /^ {2}secret_access_key: "\*\*\*"$/m);
  assert.match(shown, /^ {2}access_key_id: AKIDSHOWN$/m);
  assert.match(shown, /^ {2}url: postgresql:\/\/traceone:\*\*\*@db\.internal:5432\/traceone$/m);
});

Deno.test("showConfig starts with where the configuration came from", () => {
  const shown = showConfig(configWithSecrets());
  assert.equal(
    shown.split("\n")[0],
    "# effective configuration from secrets.yaml; secrets are shown as ***",
  );
  assert.match(shown, /^ {2}base_path: \/srv\/traceone\/notifications$/m);
});

Deno.test("effectiveConfigView masks secrets and shows the file mode in octal", () => {
  const view = effectiveConfigView(configWithSecrets()) as {
    dnb_api: { client_secret: unknown; client_id: unknown };
    database: { url: unknown };
    sftp_storage: { password: unknown; private_key_path: unknown };
    local_storage: { file_permissions: unknown };
    http: { auth_token: unknown };
  };
  assert.equal(view.dnb_api.client_secret, "***");
  assert.equal(view.dnb_api.client_id, "client");
  assert.equal(view.database.url, "postgresql://traceone:***@db.internal:5432/traceone");
  assert.equal(view.sftp_storage.password, "***");
  assert.equal(view.sftp_storage.private_key_path, null);
  assert.equal(view.local_storage.file_permissions, "0640");
  assert.equal(view.http.auth_token, "***");
  assert.ok(!JSON.stringify(view).includes(SECRETS.DB_PASSWORD));
});

Deno.test("redactDatabaseUrl masks passwords and keeps the rest", () => {
  assert.equal(
    redactDatabaseUrl("postgresql://user:pass@host/db"),
    "postgresql://user:***@host/db",
  );
  assert.equal(redactDatabaseUrl("postgres://user@host/db"), "postgres://user@host/db");
  assert.equal(
    redactDatabaseUrl("postgresql://host/db?user=u&password=p&sslmode=require"),
    "postgresql://host/db?user=u&password=***&sslmode=require",
  );
  assert.equal(
    redactDatabaseUrl("sqlite:/srv/traceone/data/t.db"),
    "sqlite:/srv/traceone/data/t.db",
  );
  assert.equal(redactDatabaseUrl("not a url with s3cret"), "***");
});
