import assert from "node:assert/strict";
import { openStateKv, StateKvUnavailableError } from "../../src/cli/state_kv.ts";
import { parseConfig } from "../../src/config/load.ts";
import { kvLocation, openKvArgument } from "../../src/config/kv_location.ts";

function configWithKv(kvPath: string, cwd: string) {
  return parseConfig(`simulator:\n  enabled: true\nstate:\n  kv_path: "${kvPath}"\n`, {
    source: null,
    env: () => undefined,
    cwd,
    home: null,
  });
}

Deno.test("kvLocation: a file, memory, a KV Connect URL, or the default KV of Deno Deploy", () => {
  assert.deepEqual(kvLocation("/var/lib/traceone/state.kv"), {
    kind: "file",
    path: "/var/lib/traceone/state.kv",
  });
  assert.deepEqual(kvLocation(":memory:"), { kind: "memory" });
  const url = "https://api.deno.com/databases/0f1e2d3c/connect";
  assert.deepEqual(kvLocation(url), { kind: "remote", url });
  assert.equal(openKvArgument(kvLocation(url)), url, "passed to Deno.openKv untouched");
  assert.deepEqual(kvLocation(""), { kind: "default" });
  assert.equal(openKvArgument(kvLocation("")), undefined);
});

Deno.test("a remote state.kv_path is opened as a URL, never becomes a folder, and a failure names the key and DENO_KV_ACCESS_TOKEN", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "traceone-remote-kv-" });
  try {
    // A closed loopback port: the KV Connect handshake fails without leaving the machine.
    const url = "http://127.0.0.1:9/databases/abc";
    const config = configWithKv(url, cwd);
    assert.equal(config.state.kv_path, url, "resolution keeps the URL as written");
    const error = await openStateKv(config).then(
      (kv) => {
        kv.close();
        assert.fail("opened a KV at a closed port");
      },
      (error) => error,
    );
    assert.ok(error instanceof StateKvUnavailableError, String(error));
    assert.equal(error.code, "STATE_KV_UNAVAILABLE");
    assert.match(
      error.message,
      /^state\.kv_path: cannot open the remote KV http:\/\/127\.0\.0\.1:9/,
    );
    assert.match(error.message, /DENO_KV_ACCESS_TOKEN/);
    const entries = [];
    for await (const entry of Deno.readDir(cwd)) entries.push(entry.name);
    assert.deepEqual(entries, [], "nothing created on disk");
    await assert.rejects(Deno.stat("http:"), Deno.errors.NotFound, "no ./http: folder either");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("an empty state.kv_path outside deploy.ts is STATE_KV_UNAVAILABLE saying it means Deno Deploy's own KV", async () => {
  const config = configWithKv("", Deno.cwd());
  await assert.rejects(
    openStateKv(config),
    (error: unknown) =>
      error instanceof StateKvUnavailableError && /only deploy\.ts opens/.test(error.message),
  );
});
