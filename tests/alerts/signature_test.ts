import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signatureHeader, signatureProblem } from "../../src/alerts/signature.ts";

const key = "whsec-test-key-0123456789";

Deno.test("t=<seconds>,v1=<hex HMAC-SHA256 of t.body>", () => {
  const header = signatureHeader('{"a":1}', { key, timestamp: 1_790_000_000.9 });
  const expected = createHmac("sha256", key).update('1790000000.{"a":1}').digest("hex");
  assert.equal(header, `t=1790000000,v1=${expected}`);
});

Deno.test("verification: holds, wrong key, changed body, stale time, missing", () => {
  const body = '{"id":"x"}';
  const header = signatureHeader(body, { key, timestamp: 1_000 });
  assert.equal(signatureProblem(header, body, { key, now: 1_010 }), null);
  assert.equal(
    signatureProblem(header, body, { key: "another-key-0123456789", now: 1_010 }),
    "the signature does not match",
  );
  assert.equal(
    signatureProblem(header, `${body} `, { key, now: 1_010 }),
    "the signature does not match",
  );
  assert.match(signatureProblem(header, body, { key, now: 2_000 }) ?? "", /tolerance/);
  assert.equal(signatureProblem(null, body, { key, now: 1_000 }), "no signature header");
  assert.match(signatureProblem("v1=abc", body, { key, now: 1_000 }) ?? "", /timestamp/);
});
