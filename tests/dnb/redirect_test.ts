import assert from "node:assert/strict";
import { DnbRedirectRefusedError } from "../../src/dnb/errors.ts";
import { createDnbClient } from "../../src/dnb/client.ts";
import { testDnbConfig } from "../helpers/dnb_client.ts";

/**
 * A real loopback pair: `dnb` stands in for D&B and redirects, `elsewhere` counts what reaches
 * it. Nothing may reach `elsewhere`: a followed redirect would send it the request (and, on the
 * token call, the client credentials).
 */
async function withRedirect(
  redirect: { status: number; on: "token" | "data"; relative?: boolean },
  work: (ctx: { baseUrl: string; elsewhereHost: string; elsewhereHits: () => number }) => Promise<
    void
  >,
): Promise<void> {
  let hits = 0;
  const elsewhere = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return Response.json({ access_token: "foreign-token", expires_in: 86_400 });
  });
  const elsewhereHost = `127.0.0.1:${elsewhere.addr.port}`;
  const dnb = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    await request.body?.cancel();
    const path = new URL(request.url).pathname;
    const isToken = path.endsWith("/token");
    if ((redirect.on === "token") === isToken) {
      const location = redirect.relative ? "/moved" : `http://${elsewhereHost}${path}`;
      return new Response(null, { status: redirect.status, headers: { location } });
    }
    if (isToken) return Response.json({ access_token: "dnb-token", expires_in: 86_400 });
    return Response.json({ error: { errorCode: "00000", errorMessage: "unexpected" } }, {
      status: 500,
    });
  });
  try {
    await work({
      baseUrl: `http://127.0.0.1:${dnb.addr.port}`,
      elsewhereHost,
      elsewhereHits: () => hits,
    });
  } finally {
    await dnb.shutdown();
    await elsewhere.shutdown();
  }
}

async function client(baseUrl: string) {
  const kv = await Deno.openKv(":memory:");
  return { kv, client: createDnbClient(testDnbConfig(), { kv, baseUrl }) };
}

async function refused(promise: Promise<unknown>): Promise<DnbRedirectRefusedError> {
  const error = await promise.then(
    () => assert.fail("expected DnbRedirectRefusedError"),
    (error) => error,
  );
  assert.ok(error instanceof DnbRedirectRefusedError, `got ${error}`);
  assert.equal(error.code, "DNB_REDIRECT_REFUSED");
  return error;
}

for (const status of [302, 307]) {
  Deno.test(`a ${status} on the token call is refused: the credentials go nowhere else`, async () => {
    await withRedirect(
      { status, on: "token" },
      async ({ baseUrl, elsewhereHost, elsewhereHits }) => {
        const { kv, client: dnb } = await client(baseUrl);
        try {
          const error = await refused(dnb.registrations.list());
          assert.equal(error.status, status);
          assert.equal(error.targetHost, elsewhereHost);
          assert.match(error.message, new RegExp(`redirect to ${elsewhereHost}`));
          assert.match(error.message, /dnb_api\.base_url/);
          assert.equal(elsewhereHits(), 0, "the other server received nothing");
          assert.equal(dnb.transport.stats().attempts, 1, "not retried");
          assert.match(dnb.tokens.status().lastError ?? "", /DNB_REDIRECT|redirect/);
          assert.equal(dnb.tokens.status().isAuthenticated, false);
        } finally {
          kv.close();
        }
      },
    );
  });

  Deno.test(`a ${status} on pull is refused and names the target host`, async () => {
    await withRedirect(
      { status, on: "data" },
      async ({ baseUrl, elsewhereHost, elsewhereHits }) => {
        const { kv, client: dnb } = await client(baseUrl);
        try {
          const error = await refused(dnb.notifications.pull("REF_A"));
          assert.equal(error.status, status);
          assert.equal(error.targetHost, elsewhereHost);
          assert.equal(elsewhereHits(), 0, "the other server received nothing");
        } finally {
          kv.close();
        }
      },
    );
  });
}

Deno.test("a relative Location names the API's own host; still refused", async () => {
  await withRedirect({ status: 301, on: "token", relative: true }, async ({ baseUrl }) => {
    const { kv, client: dnb } = await client(baseUrl);
    try {
      const error = await refused(dnb.registrations.list());
      assert.equal(error.targetHost, new URL(baseUrl).host);
    } finally {
      kv.close();
    }
  });
});

Deno.test("an opaque redirect (status 0) is refused without a target", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const fakeFetch = (() => Promise.resolve(Response.error())) as typeof fetch;
    // Response.error() is type "error" with status 0, the shape an opaque redirect has.
    const dnb = createDnbClient(testDnbConfig(), { kv, fetch: fakeFetch });
    const error = await refused(dnb.registrations.list());
    assert.equal(error.status, 0);
    assert.equal(error.targetHost, null);
    assert.match(error.message, /without a usable Location/);
  } finally {
    kv.close();
  }
});
