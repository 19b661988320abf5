import assert from "node:assert/strict";
import { deployProblems } from "../../src/config/deploy_rules.ts";
import { parseConfig } from "../../src/config/load.ts";

const TOKEN = "deploy-token-0123456789abcdef0123456789";

function load(lines: string[]) {
  return parseConfig(
    [
      "environment: test",
      "dnb_api:",
      "  client_id: id",
      "  client_secret: secret",
      "local_storage:",
      "  enabled: false",
      "database:",
      "  enabled: false",
      "http:",
      `  auth_token: ${TOKEN}`,
      ...lines,
    ].join("\n"),
    { source: null, env: () => undefined, cwd: "/srv", home: null },
  );
}

const paths = (config: ReturnType<typeof load>, onDeploy: boolean) =>
  deployProblems(config, { onDeploy }).map((issue) => issue.path);

Deno.test("deploy rules: on Deno Deploy the state must be its own KV or a KV Connect URL; :memory: never", () => {
  const file = load(["state:", "  kv_path: ./data/state.kv"]);
  assert.deepEqual(paths(file, true), ["state.kv_path"]);
  assert.deepEqual(paths(file, false), [], "a local run of deploy.ts may use a file");
  assert.deepEqual(paths(load(["state:", '  kv_path: ""']), true), []);
  assert.deepEqual(paths(load(["state:", '  kv_path: "https://kv.example.com"']), true), []);
  assert.deepEqual(paths(load(["state:", '  kv_path: ":memory:"']), false), ["state.kv_path"]);
});

Deno.test("deploy rules: monitoring.sync is not run by deploy.ts, so it is a configuration error", () => {
  const config = load([
    "state:",
    '  kv_path: ""',
    "monitoring:",
    "  sync:",
    "    - registration: R",
    "      file: ./list.csv",
  ]);
  const [issue] = deployProblems(config, { onDeploy: true });
  assert.equal(issue.path, "monitoring.sync");
  assert.match(issue.message, /not run under deploy\.ts/);
});
