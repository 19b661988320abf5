/**
 * A secret that comes back (issue 11): D&B's gateway echoes the credentials it refused, and the
 * secret holds `"` and `\`, which JSON and URLs spell differently. No spelling of it reaches
 * the command's output or its log lines.
 */
import assert from "node:assert/strict";
import { maskKnownSecrets, maskSecrets, Secret } from "../../src/model/secret.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { runMain } from "../helpers/cli.ts";

const SECRET = 's3"cr\\et/WRONG+7f41= x';

/** Every way the secret could be written once it went through JSON, a URL or a form. */
function spellings(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(JSON.stringify(secret)).slice(1, -1),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replaceAll("%20", "+"),
    // Python's quote(): "/" left alone.
    encodeURIComponent(secret).replaceAll("%2F", "/"),
    encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  ];
}

Deno.test("the masker covers a secret's JSON-escaped and URL-encoded spellings", () => {
  for (const form of spellings(SECRET).slice(0, 2).concat(spellings(SECRET).slice(3))) {
    assert.equal(maskSecrets(`before ${form} after`, [SECRET]), "before *** after", form);
  }
  new Secret("held-by-this-process-9c1");
  assert.equal(maskKnownSecrets('{"e":"held-by-this-process-9c1"}'), '{"e":"***"}');
});

Deno.test("a 401 that echoes the credentials: the secret appears in no output, in any spelling", async () => {
  const sim = await startSimulator({
    clientId: "echo-client",
    clientSecret: "the-right-secret",
    rateLimit: 0,
    registrations: [{ reference: "ECHO_REG", duns: ["081466849"] }],
  });
  const dir = await Deno.makeTempDir({ prefix: "traceone-echo-" });
  try {
    await fetch(`${sim.url}/_sim/faults`, {
      method: "PUT",
      headers: { authorization: `Bearer ${sim.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ echoCredentials: true }),
    }).then((r) => r.body?.cancel());
    // Single-quoted YAML: the backslash and the double quote are the secret's own.
    const config = `${dir}/config.yaml`;
    await Deno.writeTextFile(
      config,
      [
        "environment: test",
        "debug: true",
        "dnb_api:",
        `  base_url: "${sim.url}"`,
        '  client_id: "echo-client"',
        `  client_secret: '${SECRET}'`,
        "  max_retries: 0",
        "state:",
        `  kv_path: "${dir}/state.kv"`,
        "database:",
        `  url: "sqlite:${dir}/traceone.db"`,
        "local_storage:",
        `  base_path: "${dir}/notifications"`,
        "http:",
        "  enabled: false",
      ].join("\n") + "\n",
    );
    for (const args of [["registrations", "list"], ["pull", "ECHO_REG"]]) {
      const result = await runMain([...args, "--config", config]);
      assert.notEqual(result.code, 0, result.stdout);
      const output = result.stdout + result.stderr;
      // The gateway did echo it: the message is there, masked.
      assert.match(output, /Client authentication failed for echo-client:\*\*\*/);
      for (const form of spellings(SECRET)) {
        assert.ok(!output.includes(form), `${args.join(" ")} printed ${form}`);
      }
      // The echoed Authorization header decodes to the secret: masked whole.
      assert.ok(!output.includes(btoa(`echo-client:${SECRET}`)), `${args.join(" ")} printed Basic`);
      assert.match(output, /header Basic \*\*\*/);
    }
  } finally {
    await sim.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
