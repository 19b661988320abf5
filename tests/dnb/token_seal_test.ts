import assert from "node:assert/strict";
import { Secret } from "../../src/model/secret.ts";
import { tokenKeyProblem } from "../../src/config/token_key.ts";
import { PLAIN_TOKENS, sealedTokens } from "../../src/dnb/token_seal.ts";
import { withSimulator } from "../helpers/dnb_client.ts";

const KEY = new Secret(btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i * 7))));
const OTHER = new Secret("ab".repeat(32));
const TOKEN = { accessToken: "tok-8c1f-PLAINTEXT", expiresAt: 2_000_000, obtainedAt: 1_000_000 };

Deno.test("state.token_key: 32 bytes as base64 or 64 hex digits; anything else says how to make one", () => {
  assert.equal(tokenKeyProblem(KEY.reveal()), null);
  assert.equal(tokenKeyProblem(OTHER.reveal()), null);
  assert.match(tokenKeyProblem("short")!, /openssl rand -base64 32/);
  assert.match(tokenKeyProblem(btoa("sixteen bytes!!!"))!, /32 random bytes/);
});

Deno.test("a sealed token opens with its key only; tampered or plain values count as none", async () => {
  const seal = await sealedTokens(KEY);
  const stored = await seal.seal(TOKEN);
  assert.ok(!JSON.stringify(stored).includes("PLAINTEXT"), "the token is not readable in KV");
  assert.deepEqual(await seal.open(stored), TOKEN);
  assert.equal(await (await sealedTokens(OTHER)).open(stored), null, "another key");
  const tampered = { ...(stored as Record<string, string>) };
  tampered.data = tampered.data.slice(0, -4) + (tampered.data.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.equal(await seal.open(tampered), null, "GCM refuses a changed value");
  assert.equal(await seal.open(TOKEN), null, "a plain token from before the key was set");
  assert.equal(await PLAIN_TOKENS.open(stored), null, "a sealed token without the key");
});

Deno.test("with state.token_key the cached token in KV is sealed: a client with the key reuses it, one without fetches its own", async () => {
  await withSimulator({}, async (h) => {
    const tokenSeal = await sealedTokens(KEY);
    const first = h.client({}, { tokenSeal });
    await first.registrations.list();
    const entries = [];
    for await (const entry of h.kv.list({ prefix: ["dnb", "token"] })) entries.push(entry.value);
    assert.equal(entries.length, 1);
    const token = await first.tokens.token();
    assert.ok(!JSON.stringify(entries[0]).includes(token), "no access token in the KV file");
    await h.client({}, { tokenSeal: await sealedTokens(KEY) }).registrations.list();
    assert.equal((await h.counters()).tokensIssued, 1, "the same key opens it: no new token");
    await h.client().registrations.list();
    assert.equal((await h.counters()).tokensIssued, 2, "without the key it cannot be read");
  });
});
