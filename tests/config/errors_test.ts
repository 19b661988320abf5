import assert from "node:assert/strict";
import { ConfigError, formatIssue, formatPath } from "../../src/config/errors.ts";

Deno.test("formatPath writes keys with dots and list positions in brackets", () => {
  assert.equal(
    formatPath(["simulator", "registrations", 0, "duns", 2]),
    "simulator.registrations[0].duns[2]",
  );
  assert.equal(formatPath([]), "");
});

Deno.test("ConfigError puts one issue per line and keeps a stable code", () => {
  const error = new ConfigError([
    { path: "a.b", message: "missing (x)" },
    { path: "", message: "no path" },
  ], { source: "f.yaml" });
  assert.equal(error.message, "a.b: missing (x)\nno path");
  assert.equal(error.code, "CONFIG_INVALID");
  assert.equal(error.source, "f.yaml");
  assert.ok(error instanceof Error);
  assert.equal(formatIssue({ path: "p", message: "m" }), "p: m");
});
