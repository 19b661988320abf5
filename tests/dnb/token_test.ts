import assert from "node:assert/strict";
import { Secret } from "../../src/model/secret.ts";
import { DnbCredentialsError } from "../../src/dnb/errors.ts";
import { SIM_CLIENT_SECRET, testDnbConfig, withSimulator } from "../helpers/dnb_client.ts";
import { createDnbClient } from "../../src/dnb/client.ts";
import {
  clampTokenLifetimeMs,
  refreshMarginMs,
  TOKEN_LIFETIME_MAX_MS,
  TOKEN_LIFETIME_MIN_MS,
} from "../../src/dnb/token.ts";

for (const version of ["v2", "v3"] as const) {
  Deno.test(`token ${version}: one token serves many concurrent callers`, async () => {
    await withSimulator({ registrations: [{ reference: "REF_A", duns: [] }] }, async (h) => {
      const client = h.client({ token_version: version });
      const lists = await Promise.all(
        Array.from({ length: 20 }, () => client.registrations.list()),
      );
      assert.ok(lists.every((refs) => refs.includes("REF_A")));
      assert.equal((await h.counters()).tokensIssued, 1);
      const status = client.tokens.status();
      assert.equal(status.isAuthenticated, true);
      assert.ok(status.tokenExpiresIn! > 86_000);
    });
  });
}

Deno.test("token is cached in Deno KV: a new client on the same KV asks for none", async () => {
  await withSimulator({}, async (h) => {
    await h.client().registrations.list();
    await h.client().registrations.list();
    assert.equal((await h.counters()).tokensIssued, 1);
  });
});

Deno.test("an expired token (401 00040) is renewed once for all concurrent callers", async () => {
  await withSimulator({ registrations: [{ reference: "REF_A", duns: [] }] }, async (h) => {
    const client = h.client();
    await client.registrations.list();
    await h.admin("POST", "/_sim/tokens/expire");
    const lists = await Promise.all(Array.from({ length: 10 }, () => client.registrations.list()));
    assert.equal(lists.length, 10);
    assert.equal((await h.counters()).tokensIssued, 2);
    assert.equal(client.tokens.status().refreshes, 2);
  });
});

Deno.test("the token is renewed the refresh buffer before it expires, without a 401", async () => {
  await withSimulator({}, async (h) => {
    let skew = 0;
    const client = h.client({ token_refresh_buffer: 600 }, { now: () => Date.now() + skew });
    await client.registrations.list();
    skew = (86_400 - 600 + 5) * 1000;
    await client.registrations.list();
    const counters = await h.counters();
    assert.equal(counters.tokensIssued, 2);
    assert.equal(client.transport.stats().byOutcome["401"], undefined, "no 401 was needed");
  });
});

for (const version of ["v2", "v3"] as const) {
  Deno.test(`bad credentials (${version}) stop at once with a message without the secret`, async () => {
    await withSimulator({}, async (h) => {
      const client = h.client({ token_version: version, client_id: "wrong-id" });
      const error = await client.registrations.list().then(
        () => assert.fail("expected a credentials error"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof DnbCredentialsError, String(error));
      assert.equal(error.code, "DNB_BAD_CREDENTIALS");
      assert.equal(error.errorCode, "00041");
      assert.match(error.message, /check dnb_api\.client_id and dnb_api\.client_secret/);
      assert.ok(!error.message.includes(SIM_CLIENT_SECRET));
      assert.ok(!JSON.stringify(client.status()).includes(SIM_CLIENT_SECRET));
      assert.equal(client.transport.stats().attempts, 1, "a refused credential is not retried");
      assert.match(client.tokens.status().lastError ?? "", /00041/);
    });
  });
}

Deno.test("a token D&B stopped accepting early (401 00004) is renewed once and the call repeated", async () => {
  await withSimulator({ registrations: [{ reference: "REF_A", duns: [] }] }, async (h) => {
    const client = h.client();
    await client.registrations.list();
    await h.admin("POST", "/_sim/tokens/revoke");
    assert.deepEqual(await client.registrations.list(), ["REF_A"]);
    assert.equal((await h.counters()).tokensIssued, 2);
    assert.equal(client.transport.stats().byOutcome["401"], 1, "one 401, then the new token");
    assert.match(
      client.tokens.status().lastRejection ?? "",
      /answered 401 \(00004 You are not currently authorised/,
    );
  });
});

Deno.test("a changed secret does not ride on the cached token: a wrong one is refused at once", async () => {
  await withSimulator({ registrations: [{ reference: "REF_A", duns: [] }] }, async (h) => {
    await h.client().registrations.list();
    const rotated = h.client({ client_secret: new Secret("a-wrong-new-secret") });
    const error = await rotated.registrations.list().then(
      () => assert.fail("the wrong secret must be refused"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DnbCredentialsError, String(error));
    assert.match(
      error.message,
      /refused the client credentials; check dnb_api\.client_id and dnb_api\.client_secret/,
    );
    assert.ok(!String(error.message).includes("a-wrong-new-secret"));
    // The right secret still finds its own cached token.
    await h.client().registrations.list();
    assert.equal((await h.counters()).tokensIssued, 1);
    const keys = [];
    for await (const entry of h.kv.list({ prefix: ["dnb", "token"] })) keys.push(entry.key);
    assert.ok(
      keys.every((key) => !key.some((part) => String(part).includes(SIM_CLIENT_SECRET))),
      "the cache key holds a fingerprint, never the secret",
    );
  });
});

Deno.test("a failed renewal while the cached token is still valid keeps using it, and says so", async () => {
  await withSimulator({ registrations: [{ reference: "REF_A", duns: [] }] }, async (h) => {
    let skew = 0;
    const client = h.client({ token_refresh_buffer: 600, max_retries: 0 }, {
      now: () => Date.now() + skew,
    });
    await client.registrations.list();
    // Inside the refresh buffer, and the token endpoint fails.
    skew = (86_400 - 300) * 1000;
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 503, errorCode: "00002", count: 1, pathIncludes: "/token" }],
    });
    assert.deepEqual(await client.registrations.list(), ["REF_A"]);
    const status = client.tokens.status();
    assert.equal(status.isAuthenticated, true);
    assert.match(status.warning ?? "", /token renewal failed; using the cached token until/);
    assert.match(status.lastError ?? "", /503/);
    // Once the endpoint answers again, the next renewal clears the warning.
    skew += 31_000;
    await client.registrations.list();
    assert.equal(client.tokens.status().warning, null);
    assert.equal((await h.counters()).tokensIssued, 2);
  });
});

/** A client whose token endpoint issues tokens of `expiresIn` seconds, on a clock the test moves. */
async function withTokenEndpoint(
  expiresIn: number,
  work: (ctx: {
    client: ReturnType<typeof createDnbClient>;
    issued: () => number;
    advance: (ms: number) => void;
  }) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  let issued = 0;
  let clock = Date.UTC(2026, 0, 1);
  const fakeFetch = ((input: string | URL | Request) => {
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    if (!path.endsWith("/token")) return Promise.resolve(new Response("{}", { status: 404 }));
    issued++;
    return Promise.resolve(
      Response.json({ access_token: `token-${issued}`, expires_in: expiresIn }),
    );
  }) as typeof fetch;
  try {
    const client = createDnbClient(testDnbConfig({ token_refresh_buffer: 300 }), {
      kv,
      fetch: fakeFetch,
      now: () => clock,
    });
    await work({ client, issued: () => issued, advance: (ms) => clock += ms });
  } finally {
    kv.close();
  }
}

Deno.test("token lifetimes are clamped to 60 s – 48 h", () => {
  assert.equal(clampTokenLifetimeMs(30), TOKEN_LIFETIME_MIN_MS);
  assert.equal(clampTokenLifetimeMs(86_400), 86_400_000);
  assert.equal(clampTokenLifetimeMs(10 * 365 * 86_400), TOKEN_LIFETIME_MAX_MS);
  assert.equal(clampTokenLifetimeMs(1e300), TOKEN_LIFETIME_MAX_MS);
  assert.equal(clampTokenLifetimeMs(Infinity), TOKEN_LIFETIME_MAX_MS);
  assert.equal(TOKEN_LIFETIME_MAX_MS, 48 * 3600_000);
});

Deno.test("the refresh margin is the configured one, or a quarter of a short lifetime", () => {
  assert.equal(refreshMarginMs(300_000, 86_400_000), 300_000);
  assert.equal(refreshMarginMs(300_000, 60_000), 15_000);
  assert.equal(refreshMarginMs(0, 60_000), 0);
});

Deno.test("a 30 s token is not fetched on every call: kept 60 s, renewed at three quarters", async () => {
  await withTokenEndpoint(30, async ({ client, issued, advance }) => {
    assert.equal(await client.tokens.token(), "token-1");
    for (let i = 0; i < 10; i++) {
      advance(4_000);
      assert.equal(await client.tokens.token(), "token-1", `call ${i} reuses the token`);
    }
    assert.equal(issued(), 1);
    advance(6_000); // 46 s: inside the 15 s margin of a 60 s lifetime
    assert.equal(await client.tokens.token(), "token-2");
    assert.equal(issued(), 2);
  });
});

Deno.test("expires_in 1e300 is clamped to 48 h instead of failing on the KV expiry", async () => {
  await withTokenEndpoint(1e300, async ({ client, issued }) => {
    assert.equal(await client.tokens.token(), "token-1");
    const status = client.tokens.status();
    assert.equal(status.lastError, null);
    assert.equal(status.tokenExpiresIn, 48 * 3600);
    assert.equal(issued(), 1);
  });
});

Deno.test("a 10-year expiry is cached for 48 h at most", async () => {
  await withTokenEndpoint(10 * 365 * 86_400, async ({ client, issued, advance }) => {
    assert.equal(await client.tokens.token(), "token-1");
    assert.equal(client.tokens.status().tokenExpiresIn, 48 * 3600);
    advance(47 * 3600_000);
    assert.equal(await client.tokens.token(), "token-1");
    advance(3600_000 - 200_000); // inside the 300 s buffer before the 48 h cap
    assert.equal(await client.tokens.token(), "token-2");
    assert.equal(issued(), 2);
  });
});
