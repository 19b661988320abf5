import assert from "node:assert/strict";
import { validateFileConfig } from "../../src/config/schema.ts";
import { localDataLines, runMain } from "../helpers/cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CREDENTIALS = { client_id: "prod-client", client_secret: "Prod-Secret-6b2f" };

function baseUrlProblems(tree: Record<string, unknown>): string[] {
  const result = validateFileConfig(tree);
  return result.ok
    ? []
    : result.issues.filter((issue) => issue.path === "dnb_api.base_url").map((i) => i.message);
}

Deno.test("dnb_api.base_url: plain http on loopback is refused in staging and production", () => {
  for (const environment of ["staging", "production"]) {
    const problems = baseUrlProblems({
      environment,
      dnb_api: { ...CREDENTIALS, base_url: "http://127.0.0.1:8181" },
    });
    assert.equal(problems.length, 1, environment);
    assert.match(problems[0], new RegExp(`must use https in ${environment}`));
    assert.match(problems[0], /https:\/\/plus\.dnb\.com/);
  }
});

Deno.test("dnb_api.base_url: http on loopback stays allowed in development and test", () => {
  for (const environment of ["development", "test", undefined]) {
    assert.deepEqual(
      baseUrlProblems({ environment, dnb_api: { ...CREDENTIALS, base_url: "http://127.0.0.1:1" } }),
      [],
      String(environment),
    );
  }
});

Deno.test("dnb_api.base_url: https passes in production; the simulator in staging ignores base_url", () => {
  assert.deepEqual(
    baseUrlProblems({
      environment: "production",
      dnb_api: { ...CREDENTIALS, base_url: "https://plus.dnb.com" },
    }),
    [],
  );
  assert.deepEqual(
    baseUrlProblems({
      environment: "staging",
      simulator: { enabled: true },
      dnb_api: { base_url: "http://127.0.0.1:1" },
    }),
    [],
  );
});

Deno.test("config check: an http base_url in staging is exit 2 naming dnb_api.base_url", async () => {
  const dir = await Deno.makeTempDir({ prefix: "traceone-base-url-" });
  try {
    const path = `${dir}/config.yaml`;
    const lines = [
      "environment: staging",
      "dnb_api:",
      '  base_url: "http://127.0.0.1:8181"',
      "  client_id: staging-client",
      "  client_secret: Staging-Secret-91ac",
      ...localDataLines(dir),
    ];
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const result = await runMain(["config", "check", "--config", path], { cwd: ROOT });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, / {2}dnb_api\.base_url: must use https in staging/);
    assert.doesNotMatch(result.stderr, /\s{4}at |\.ts:\d+/, "no stack trace");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
