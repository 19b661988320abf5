import assert from "node:assert/strict";
import { type EnvReader, substituteEnv } from "../../src/config/env_substitution.ts";

function envOf(values: Record<string, string>): EnvReader {
  return (name) => Object.hasOwn(values, name) ? values[name] : undefined;
}

Deno.test("substituteEnv replaces several references inside one string", () => {
  const result = substituteEnv(
    { dnb_api: { base_url: "https://${HOST}:${PORT}/api" } },
    { env: envOf({ HOST: "example.com", PORT: "8443" }) },
  );
  assert.deepEqual(result.issues, []);
  assert.deepEqual(result.value, { dnb_api: { base_url: "https://example.com:8443/api" } });
});

Deno.test("substituteEnv reports an unset variable with its key path and how to fix it", () => {
  const result = substituteEnv({ dnb_api: { client_id: "${DNB_CLIENT_ID}" } }, { env: envOf({}) });
  assert.deepEqual(result.issues, [{
    path: "dnb_api.client_id",
    message:
      "environment variable DNB_CLIENT_ID is not set (set it, or give a default: ${DNB_CLIENT_ID:-value})",
  }]);
  // The text stays, so that later checks can recognise the path and stay quiet about it.
  assert.deepEqual(result.value, { dnb_api: { client_id: "${DNB_CLIENT_ID}" } });
});

Deno.test("substituteEnv gives the :? message for an unset or empty variable", () => {
  const tree = { dnb_api: { client_secret: "${DNB_CLIENT_SECRET:?the Consumer Secret}" } };
  assert.deepEqual(substituteEnv(tree, { env: envOf({}) }).issues, [{
    path: "dnb_api.client_secret",
    message: "DNB_CLIENT_SECRET is not set: the Consumer Secret",
  }]);
  assert.deepEqual(substituteEnv(tree, { env: envOf({ DNB_CLIENT_SECRET: "" }) }).issues, [{
    path: "dnb_api.client_secret",
    message: "DNB_CLIENT_SECRET is empty: the Consumer Secret",
  }]);
  const set = substituteEnv(tree, { env: envOf({ DNB_CLIENT_SECRET: "s" }) });
  assert.deepEqual(set, { value: { dnb_api: { client_secret: "s" } }, issues: [] });
});

Deno.test("substituteEnv uses the :- default when the variable is unset or empty", () => {
  const tree = { path: "${DIR:-/data}/x" };
  assert.deepEqual(substituteEnv(tree, { env: envOf({}) }).value, { path: "/data/x" });
  assert.deepEqual(substituteEnv(tree, { env: envOf({ DIR: "" }) }).value, { path: "/data/x" });
  assert.deepEqual(substituteEnv(tree, { env: envOf({ DIR: "/srv" }) }).value, { path: "/srv/x" });
});

Deno.test("substituteEnv counts a set-but-empty variable as set for ${VAR}", () => {
  const result = substituteEnv({ a: "[${EMPTY}]" }, { env: envOf({ EMPTY: "" }) });
  assert.deepEqual(result, { value: { a: "[]" }, issues: [] });
});

Deno.test("substituteEnv expands references nested in a default", () => {
  const tree = { a: "${A:-${B:-fallback}}" };
  assert.deepEqual(substituteEnv(tree, { env: envOf({}) }).value, { a: "fallback" });
  assert.deepEqual(substituteEnv(tree, { env: envOf({ B: "b" }) }).value, { a: "b" });
  assert.deepEqual(substituteEnv(tree, { env: envOf({ A: "a", B: "b" }) }).value, { a: "a" });
});

Deno.test("substituteEnv reads $${ as a literal ${ without looking the variable up", () => {
  const looked: string[] = [];
  const result = substituteEnv({ a: "cost $${HOME} and $5" }, {
    env: (name) => {
      looked.push(name);
      return "x";
    },
  });
  assert.deepEqual(result, { value: { a: "cost ${HOME} and $5" }, issues: [] });
  assert.deepEqual(looked, []);
});

Deno.test("substituteEnv names list positions in paths and leaves keys alone", () => {
  const result = substituteEnv(
    { "${KEY}": "v", simulator: { registrations: [{ reference: "r" }, { reference: "${REF}" }] } },
    { env: envOf({ KEY: "k" }) },
  );
  assert.deepEqual(result.issues, [{
    path: "simulator.registrations[1].reference",
    message: "environment variable REF is not set (set it, or give a default: ${REF:-value})",
  }]);
  assert.ok(Object.hasOwn(result.value as object, "${KEY}"));
});

Deno.test("substituteEnv reports every problem in a string", () => {
  const result = substituteEnv({ url: "${A}:${B:?needed}" }, { env: envOf({}) });
  assert.deepEqual(result.issues.map((issue) => issue.message), [
    "environment variable A is not set (set it, or give a default: ${A:-value})",
    "B is not set: needed",
  ]);
});

Deno.test("substituteEnv rejects malformed references", () => {
  const result = substituteEnv({ a: "${1BAD}", b: "${OPEN", c: "${X-y}" }, { env: envOf({}) });
  assert.deepEqual(result.issues, [
    {
      path: "a",
      message:
        'invalid variable reference "${1BAD}" (write ${NAME}, ${NAME:-default} or ${NAME:?message}; NAME is letters, digits and _)',
    },
    {
      path: "b",
      message: 'unterminated "${" (close it with "}", or write "$${" for a literal "${")',
    },
    {
      path: "c",
      message:
        'invalid variable reference "${X-y}" (write ${NAME}, ${NAME:-default} or ${NAME:?message}; NAME is letters, digits and _)',
    },
  ]);
});

Deno.test("substituteEnv reports an environment it may not read", () => {
  const result = substituteEnv({ a: "${SECRET}" }, {
    env: () => {
      throw new Deno.errors.NotCapable("no env access");
    },
  });
  assert.deepEqual(result.issues, [{
    path: "a",
    message:
      "cannot read environment variable SECRET: NotCapable (allow reading it, e.g. --allow-env)",
  }]);
});

Deno.test("substituteEnv re-reads only a scalar that is exactly one reference", () => {
  const seen: string[] = [];
  const result = substituteEnv(
    { port: "${PORT:-22}", label: "port ${PORT:-22}", empty: "${EMPTY}", plain: 7 },
    {
      env: envOf({ EMPTY: "" }),
      readScalar: (text, path) => {
        seen.push(`${path.join(".")}=${text}`);
        return Number(text);
      },
    },
  );
  assert.deepEqual(result.value, { port: 22, label: "port 22", empty: "", plain: 7 });
  assert.deepEqual(seen, ["port=22"]);
});

Deno.test("substituteEnv keeps text when no scalar reader is given", () => {
  const result = substituteEnv({ port: "${PORT}" }, { env: envOf({ PORT: "22" }) });
  assert.deepEqual(result.value, { port: "22" });
});
