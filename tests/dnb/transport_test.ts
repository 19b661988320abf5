import assert from "node:assert/strict";
import { DnbApiError, DnbTimeoutError } from "../../src/dnb/errors.ts";
import { CircuitOpenError } from "../../src/resilience/circuit_breaker.ts";
import { sleep } from "../../src/resilience/sleep.ts";
import { withSimulator } from "../helpers/dnb_client.ts";

const REG = { reference: "REF_A", duns: ["081466849"] };

Deno.test("rate limiting: at the simulator's limit the client causes zero 429s", async () => {
  await withSimulator({ rateLimit: 20, registrations: [REG] }, async (h) => {
    const client = h.client({ rate_limit: 20 });
    await Promise.all(Array.from({ length: 40 }, () => client.registrations.list()));
    const counters = await h.counters();
    assert.equal(counters.rateLimited, 0);
    assert.equal(client.transport.stats().rateLimited, 0);
  });
});

Deno.test("rate limiting: a client faster than the server sees 429s (00045), retries them and succeeds", async () => {
  await withSimulator({ rateLimit: 10, registrations: [REG] }, async (h) => {
    const client = h.client({
      rate_limit: 200,
      max_retries: 12,
      retry_base_delay: 0.1,
      retry_max_delay: 1,
    });
    await Promise.all(Array.from({ length: 20 }, () => client.registrations.list()));
    assert.ok((await h.counters()).rateLimited > 0);
    assert.ok(client.transport.stats().rateLimited > 0);
  });
});

Deno.test("injected 5xx are retried with backoff until success", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client();
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 503, errorCode: "00002", count: 2, pathIncludes: "/registrations" }],
    });
    assert.deepEqual(await client.registrations.list(), ["REF_A"]);
    const stats = client.transport.stats();
    assert.equal(stats.retries, 2);
    assert.equal(stats.byOutcome["503"], 2);
  });
});

Deno.test("a 5xx that outlasts the retries surfaces D&B's code and transaction id", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client({ max_retries: 1 });
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 500, errorCode: "00034", count: 5, pathIncludes: "/registrations" }],
    });
    const error = await client.registrations.list().catch((e) => e);
    assert.ok(error instanceof DnbApiError);
    assert.equal(error.status, 500);
    assert.equal(error.errorCode, "00034");
    assert.match(error.transactionID ?? "", /^rrt-/);
    assert.match(error.message, /GET \/v1\/monitoring\/registrations answered 500 \(00034 /);
  });
});

Deno.test("a request that hangs times out and is retried", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client({ timeout: 0.3 });
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      hangNext: { count: 1, pathIncludes: "/registrations" },
    });
    assert.deepEqual(await client.registrations.list(), ["REF_A"]);
    assert.equal(client.transport.stats().timeouts, 1);
  });
});

Deno.test("a hang on every try ends in a timeout error", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client({ timeout: 0.2, max_retries: 1 });
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      hangNext: { count: 2, pathIncludes: "/registrations" },
    });
    const error = await client.registrations.list().catch((e) => e);
    assert.ok(error instanceof DnbTimeoutError, String(error));
    assert.equal(error.code, "DNB_TIMEOUT");
  });
});

Deno.test("a 4xx that cannot succeed is not retried", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client();
    const error = await client.registrations.get("NO_SUCH_REF").catch((e) => e);
    assert.ok(error instanceof DnbApiError);
    assert.equal(error.status, 404);
    assert.equal(client.transport.stats().byOutcome["404"], 1);
    assert.equal(client.transport.stats().retries, 0);
  });
});

Deno.test("Retry-After on a 429 is honoured", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client({}, { random: () => 0 });
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      retryAfterSeconds: 1,
      failNext: [{ status: 429, errorCode: "00045", count: 1, pathIncludes: "/registrations" }],
    });
    const started = performance.now();
    await client.registrations.list();
    assert.ok(performance.now() - started >= 950, "waited for Retry-After, not the 0 ms backoff");
  });
});

Deno.test("the breaker opens after repeated failures, fails fast, and closes after a good trial", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client({
      max_retries: 0,
      circuit_breaker: { failure_threshold: 3, reset_timeout: 0.3 },
    });
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      failNext: [{ status: 503, errorCode: "00002", count: 3, pathIncludes: "/registrations" }],
    });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(client.registrations.list(), DnbApiError);
    }
    assert.equal(client.status().breaker.state, "open");
    const before = (await h.counters()).requests;
    await assert.rejects(client.registrations.list(), CircuitOpenError);
    assert.equal((await h.counters()).requests, before, "the open breaker kept the call local");
    await sleep(350);
    assert.deepEqual(await client.registrations.list(), ["REF_A"]);
    assert.equal(client.status().breaker.state, "closed");
    assert.equal(client.status().breaker.opens, 1);
  });
});

Deno.test("a Retry-After longer than dnb_api.retry_after_max is cut to it, and says what was asked", async () => {
  await withSimulator({ registrations: [REG] }, async (h) => {
    const client = h.client({ max_retries: 0, retry_after_max: 0.2 });
    await client.tokens.token();
    await h.admin("PUT", "/_sim/faults", {
      retryAfterSeconds: 999_999,
      failNext: [{ status: 429, errorCode: "00045", count: 1, pathIncludes: "/registrations" }],
    });
    const error = await client.registrations.list().then(
      () => assert.fail("expected the 429"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DnbApiError);
    assert.equal(error.retryAfterMs, 200);
    assert.equal(error.retryAfterAskedMs, 999_999_000);
  });
});
