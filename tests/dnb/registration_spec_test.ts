import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/errors.ts";
import { parseYamlDocument } from "../../src/config/load.ts";
import { parseRegistrationSpec } from "../../src/dnb/registration_spec.ts";

Deno.test("a registration spec in YAML becomes D&B's create fields", () => {
  const tree = parseYamlDocument(
    [
      "reference: ACME_PULL_01",
      "productId: cmpelk",
      "versionId: v2",
      "email: ops@acme.test, risk@acme.test",
      "blockIds: [companyinfo_L2_v1, principalscontacts_L1_v1]",
      'duns: ["081466849", "26-890-9075"]',
    ].join("\n"),
    "reg.yaml",
  );
  assert.deepEqual(parseRegistrationSpec(tree, "reg.yaml"), {
    reference: "ACME_PULL_01",
    productId: "cmpelk",
    versionId: "v2",
    email: ["ops@acme.test", "risk@acme.test"],
    blockIds: ["companyinfo_L2_v1", "principalscontacts_L1_v1"],
    duns: ["081466849", "268909075"],
  });
});

Deno.test("a registration spec's problems are all listed, unquoted DUNS included", () => {
  const tree = parseYamlDocument(
    "reference: ACME\nversionId: v2\nduns: [81466849, '12']\nfoo: 1",
    "r.yaml",
  );
  assert.throws(() => parseRegistrationSpec(tree, "r.yaml"), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((i) => i.path).sort(), [
      "duns[0]",
      "duns[1]",
      "productId",
      "r.yaml",
    ]);
    assert.match(error.message, /duns\[0\]: a DUNS must be text: write it in quotes/);
    assert.match(error.message, /duns\[1\]: "12" is not a DUNS: 2 digits/);
    return true;
  });
});

Deno.test("a YAML syntax error in a spec names the line and column", () => {
  assert.throws(
    () => parseYamlDocument("reference: [unclosed\nproductId: x", "r.yaml"),
    /r\.yaml: YAML syntax error at line \d+, column \d+/,
  );
});
