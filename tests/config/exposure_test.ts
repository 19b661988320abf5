import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/errors.ts";
import { isLoopbackHost, listenerExposure } from "../../src/config/exposure.ts";
import { parseConfig } from "../../src/config/load.ts";

const PRODUCTION_HEAD = [
  "environment: production",
  "dnb_api:",
  "  client_id: prod-client",
  "  client_secret: Prod-Secret-6b2f",
];

function parse(lines: string[]) {
  return parseConfig(lines.join("\n") + "\n", {
    source: "test.yaml",
    env: () => undefined,
    cwd: "/srv/traceone",
    home: "/home/ops",
  });
}

function configError(lines: string[]): ConfigError {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new assert.AssertionError({ message: "expected a ConfigError" });
}

Deno.test("loopback addresses are told apart from the rest", () => {
  for (
    const host of [
      "127.0.0.1",
      "127.1.2.3",
      "localhost",
      "LOCALHOST",
      "::1",
      "[::1]",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
    ]
  ) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (
    const host of [
      "0.0.0.0",
      "::",
      "[::]",
      "10.0.0.5",
      "203.0.113.7",
      "2001:db8::1",
      "monitor.example.com",
      "128.0.0.1",
      "localhost.example.com",
    ]
  ) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

Deno.test("a listener is exposed only when enabled, not loopback and without a token", () => {
  const open = { enabled: true, hostname: "0.0.0.0", port: 8080, hasAuthToken: false };
  assert.match(
    listenerExposure(open) ?? "",
    /"0\.0\.0\.0" accepts connections from other machines: anyone who reaches port 8080/,
  );
  assert.equal(listenerExposure({ ...open, hasAuthToken: true }), null);
  assert.equal(listenerExposure({ ...open, enabled: false }), null);
  assert.equal(listenerExposure({ ...open, hostname: "127.0.0.1" }), null);
});

Deno.test("production with an open listener and no auth_token is an error naming http.auth_token", () => {
  for (const hostname of ["0.0.0.0", "::", "203.0.113.7"]) {
    const error = configError([...PRODUCTION_HEAD, "http:", `  hostname: "${hostname}"`]);
    const issue = error.issues.find((i) => i.path === "http.auth_token");
    assert.ok(issue, `${hostname}: ${error.message}`);
    assert.match(
      issue.message,
      /^required in production: http\.hostname .* accepts connections from other machines/,
    );
    assert.match(issue.message, /\/status, \/metrics and the dashboard/);
    assert.match(
      issue.message,
      /set http\.auth_token, e\.g\. "\$\{TRACEONE_HTTP_TOKEN\}", or listen on 127\.0\.0\.1/,
    );
  }
});

Deno.test("production is fine with a token, on loopback, with HTTP off, or with the defaults", () => {
  parse([
    ...PRODUCTION_HEAD,
    "http:",
    '  hostname: "0.0.0.0"',
    "  auth_token: Http-Token-93d0-5b1e7c2a9f4d8e6b3a",
  ]);
  parse([...PRODUCTION_HEAD, "http:", '  hostname: "127.0.0.1"']);
  parse([...PRODUCTION_HEAD, "http:", '  hostname: "0.0.0.0"', "  enabled: false"]);
  parse(PRODUCTION_HEAD);
  parse([...PRODUCTION_HEAD, "http:", "  hostname: null"]);
});

Deno.test("the exposure error comes with the other problems, not instead of them", () => {
  const error = configError([
    ...PRODUCTION_HEAD,
    "http:",
    '  hostname: "0.0.0.0"',
    "monitoring:",
    '  schedule: "61 * * * *"',
  ]);
  assert.deepEqual(error.issues.map((i) => i.path).sort(), [
    "http.auth_token",
    "monitoring.schedule",
  ]);
});

Deno.test("outside production an open listener loads", () => {
  for (const environment of ["development", "test", "staging"]) {
    const config = parse([
      ...PRODUCTION_HEAD.slice(1),
      `environment: ${environment}`,
      "http:",
      '  hostname: "0.0.0.0"',
    ]);
    assert.equal(config.http.hostname, "0.0.0.0");
  }
});
