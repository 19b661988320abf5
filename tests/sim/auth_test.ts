import assert from "node:assert/strict";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { startSimulator } from "../../src/sim/server.ts";

const GOOD = `Basic ${btoa("simulator:simulator-secret")}`;
const BAD = `Basic ${btoa("simulator:wrong")}`;
const RRT = /^rrt-[0-9a-f]{17}-[a-d]-eu-\d{5}-\d{8}-\d+$/;
const MS_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function v2Token(url: string, authorization = GOOD): Promise<Response> {
  return fetch(`${url}/v2/token`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "client_credentials" }),
  });
}

function v3Token(url: string, options: { authorization?: string; body?: string } = {}) {
  return fetch(`${url}/v3/token`, {
    method: "POST",
    headers: {
      authorization: options.authorization ?? GOOD,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: options.body ?? "grant_type=client_credentials",
  });
}

// Tests read responses field by field; a precise type per body would add nothing.
// deno-lint-ignore no-explicit-any
type Json = any;

/** Lists registrations; the body is read so no response stream outlives the test. */
async function list(url: string, token?: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${url}/v1/monitoring/registrations`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("v2 token: opaque token and camel-case expiresIn", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  try {
    const response = await v2Token(sim.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("x-request-id") ?? "", RRT);
    const body = await response.json();
    assert.deepEqual(Object.keys(body), ["access_token", "expiresIn"]);
    assert.match(body.access_token, /^[A-Za-z0-9]{28}$/);
    assert.equal(body.expiresIn, 86400);
    const listed = await list(sim.url, body.access_token);
    assert.equal(listed.status, 200);
    const page = listed.body;
    assert.deepEqual(page.messages, { references: [] });
    assert.match(page.transactionDetail.transactionID, RRT);
    assert.match(page.transactionDetail.transactionTimestamp, MS_STAMP);
    assert.equal(page.transactionDetail.inLanguage, "en-US");
    assert.equal(sim.state.counters.tokensIssued, 1);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("v3 token: form body, snake-case expires_in and token_type", async () => {
  const sim = await startSimulator({ rateLimit: 0, tokenLifetime: 600 });
  try {
    const response = await v3Token(sim.url);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "token_type"]);
    assert.equal(body.expires_in, 600);
    assert.equal(body.token_type, "Bearer");
    assert.equal((await list(sim.url, body.access_token)).status, 200);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("bad credentials: v2 00041 envelope, v3 OAuth invalid_client", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  try {
    const v2 = await v2Token(sim.url, BAD);
    assert.equal(v2.status, 401);
    assert.equal(v2.headers.get("x-request-status"), "failure");
    const v2Body = await v2.json();
    assert.equal(v2Body.error.errorCode, "00041");
    assert.equal(
      v2Body.error.errorMessage,
      "You are not currently authorised to access this product. Please contact your D&B account representative",
    );
    assert.equal(v2Body.transactionDetail.productID, "TOKEN_GEN");
    assert.equal(v2Body.transactionDetail.productVersion, "2.0");
    assert.equal(v2.headers.get("x-request-id"), v2Body.transactionDetail.transactionID);

    const v3 = await v3Token(sim.url, { authorization: BAD });
    assert.equal(v3.status, 401);
    const v3Body = await v3.json();
    assert.equal(v3Body.error, "invalid_client");
    assert.match(v3Body.error_description, /ErrorCode: 00041\. Transaction ID: rrt-/);

    const none = await fetch(`${sim.url}/v2/token`, { method: "POST", body: "{}" });
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.errorCode, "00041");
    assert.equal(sim.state.counters.tokensIssued, 0);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("v3 without grant_type: 400 invalid_request with the 05007 text", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  try {
    const response = await v3Token(sim.url, { body: "" });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error, "invalid_request");
    assert.match(
      body.error_description,
      /^Request missing required element: 'grant_type'\. ErrorCode: 05007\. Transaction ID: {2}rrt-/,
    );
    const wrong = await v3Token(sim.url, { body: "grant_type=password" });
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).error, "unsupported_grant_type");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("data calls: missing token 00004, unknown 00040, expired 00040", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const missing = await fetch(`${sim.url}/v1/monitoring/registrations`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get("x-request-status"), "failure");
    assert.equal((await missing.json()).error.errorCode, "00004");

    const unknown = await list(sim.url, "notARealTokenAtAll0000000000");
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.errorCode, "00040");

    const { access_token: token } = await (await v2Token(sim.url)).json();
    assert.equal((await list(sim.url, token)).status, 200);
    assert.deepEqual(await admin.expireTokens(), { expired: 1 });
    const expired = await list(sim.url, token);
    assert.equal(expired.status, 401);
    const body = expired.body;
    assert.equal(body.error.errorCode, "00040");
    assert.equal(body.error.errorMessage, "Access token expired");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("token lifetime follows the fault setting and the simulated clock", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.setFaults({ tokenLifetime: 60 });
    const { access_token: token, expiresIn } = await (await v2Token(sim.url)).json();
    assert.equal(expiresIn, 60);
    await admin.advanceClock(59);
    assert.equal((await list(sim.url, token)).status, 200);
    await admin.advanceClock(1);
    const late = await list(sim.url, token);
    assert.equal(late.status, 401);
    assert.equal(late.body.error.errorCode, "00040");
  } finally {
    await sim.shutdown();
  }
});
