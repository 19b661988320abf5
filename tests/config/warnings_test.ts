import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/load.ts";
import { configWarnings } from "../../src/config/warnings.ts";

function parse(lines: string[]) {
  return parseConfig(lines.join("\n") + "\n", {
    source: "test.yaml",
    env: () => undefined,
    cwd: "/srv/traceone",
    home: "/home/ops",
  });
}

const HEAD = ["simulator:", "  enabled: true"];

Deno.test("an open listener outside production is a warning on http.auth_token", () => {
  for (const hostname of ["0.0.0.0", "::"]) {
    const warnings = configWarnings(
      parse([...HEAD, "environment: development", "http:", `  hostname: "${hostname}"`]),
    );
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].path, "http.auth_token");
    assert.match(
      warnings[0].message,
      /accepts connections from other machines: anyone who reaches port 8080 can read/,
    );
    assert.match(warnings[0].message, /in production this is an error/);
  }
});

Deno.test("no warning on loopback, with a token, or with HTTP off", () => {
  assert.deepEqual(configWarnings(parse(HEAD)), []);
  assert.deepEqual(
    configWarnings(
      parse([
        ...HEAD,
        "http:",
        '  hostname: "0.0.0.0"',
        "  auth_token: Http-Token-93d0-5b1e7c2a9f4d8e6b3a",
      ]),
    ),
    [],
  );
  assert.deepEqual(
    configWarnings(parse([...HEAD, "http:", '  hostname: "0.0.0.0"', "  enabled: false"])),
    [],
  );
});

Deno.test("a schedule with weekday numbers warns that 1 is Sunday; names do not", () => {
  const numeric = configWarnings(parse([...HEAD, "monitoring:", '  schedule: "0 9 * * 1-5"']));
  assert.equal(numeric.length, 1);
  assert.equal(numeric[0].path, "monitoring.schedule");
  assert.match(
    numeric[0].message,
    /count from 1 = Sunday in Deno\.cron \("1-5" is Sunday to Thursday\)/,
  );
  assert.deepEqual(
    configWarnings(parse([...HEAD, "monitoring:", '  schedule: "0 9 * * MON-FRI"'])),
    [],
  );
});

Deno.test("an object store whose region differs from its AWS endpoint's, or a dotted virtual-hosted bucket, warns", () => {
  const store = (lines: string[]) => [
    ...HEAD,
    "object_storage:",
    "  enabled: true",
    "  access_key_id: AKID",
    "  secret_access_key: s3-secret-for-warnings",
    ...lines.map((line) => `  ${line}`),
  ];
  const warned = (lines: string[]) => configWarnings(parse(store(lines)));
  const mismatch = warned(["endpoint: https://s3.eu-west-1.amazonaws.com", "bucket: traceone"]);
  assert.deepEqual(mismatch.map((warning) => warning.path), ["object_storage.region"]);
  assert.match(
    mismatch[0].message,
    /is us-east-1 but the endpoint s3\.eu-west-1\.amazonaws\.com is in eu-west-1/,
  );
  assert.deepEqual(
    warned([
      "endpoint: https://s3.eu-west-1.amazonaws.com",
      "bucket: traceone",
      "region: eu-west-1",
    ]),
    [],
  );
  const dotted = warned([
    "endpoint: https://storage.example.com",
    "bucket: my.bucket",
    "path_style: false",
  ]);
  assert.deepEqual(dotted.map((warning) => warning.path), ["object_storage.path_style"]);
  assert.deepEqual(
    warned(["endpoint: https://acct.r2.cloudflarestorage.com", "bucket: traceone", "region: auto"]),
    [],
  );
});
