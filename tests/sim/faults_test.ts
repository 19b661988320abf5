import assert from "node:assert/strict";
import { SimulatorAdmin } from "../../src/sim/admin_client.ts";
import { type RunningSimulator, startSimulator } from "../../src/sim/server.ts";

// Tests read responses field by field; a precise type per body would add nothing.
// deno-lint-ignore no-explicit-any
type Json = any;

interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

const BASIC = `Basic ${btoa("simulator:simulator-secret")}`;

async function tokenRequest(sim: RunningSimulator, signal?: AbortSignal): Promise<Reply> {
  const response = await fetch(`${sim.url}/v2/token`, {
    method: "POST",
    headers: { authorization: BASIC, "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "client_credentials" }),
    signal,
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function pull(sim: RunningSimulator, reference: string): Promise<Reply> {
  const token = sim.state.tokens.issue(sim.state.now(), 3600);
  const response = await fetch(
    `${sim.url}/v1/monitoring/registrations/${reference}/notifications`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Runs `request` with a client-side timeout; the timer is always cleared. */
async function withTimeout<T>(ms: number, request: (signal: AbortSignal) => Promise<T>) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("above the rate limit: 429 with the 00045 envelope and no Retry-After", async () => {
  const sim = await startSimulator();
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const replies = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(sim)));
    const limited = replies.filter((reply) => reply.status === 429);
    const served = replies.filter((reply) => reply.status === 200);
    assert.ok(served.length >= 5 && served.length <= 7, `served ${served.length}`);
    assert.equal(limited.length + served.length, 20);
    for (const reply of limited) {
      assert.equal(reply.body.error.errorCode, "00045");
      assert.match(reply.body.transactionDetail.transactionID, /^rrt-/);
      assert.equal(reply.headers.get("retry-after"), null);
      assert.equal(reply.headers.get("x-request-status"), "failure");
    }
    // The admin API is never limited.
    const adminReplies = await Promise.all(Array.from({ length: 20 }, () => admin.counters()));
    const counters = adminReplies.at(-1)!;
    assert.equal(counters.rateLimited, limited.length);
    assert.equal(counters.requests, 20);
    assert.equal(counters.tokensIssued, served.length);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("retryAfterSeconds adds Retry-After; rateLimit 0 switches the limit off", async () => {
  const sim = await startSimulator({ rateLimit: 1 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.setFaults({ retryAfterSeconds: 2 });
    const replies = await Promise.all(Array.from({ length: 4 }, () => tokenRequest(sim)));
    const limited = replies.filter((reply) => reply.status === 429);
    assert.ok(limited.length >= 2);
    for (const reply of limited) assert.equal(reply.headers.get("retry-after"), "2");
    await admin.setFaults({ rateLimit: 0 });
    const free = await Promise.all(Array.from({ length: 30 }, () => tokenRequest(sim)));
    assert.ok(free.every((reply) => reply.status === 200));
  } finally {
    await sim.shutdown();
  }
});

Deno.test("failNext forces errors on matching paths only, count times", async () => {
  const sim = await startSimulator({ rateLimit: 0, registrations: [{ reference: "F", duns: [] }] });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    const faults = await admin.setFaults({
      failNext: [{ status: 503, errorCode: "00002", count: 2, pathIncludes: "/notifications" }],
    });
    assert.equal(faults.failNext.length, 1);
    assert.equal((await tokenRequest(sim)).status, 200);
    for (let i = 0; i < 2; i++) {
      const forced = await pull(sim, "F");
      assert.equal(forced.status, 503);
      assert.equal(forced.body.error.errorCode, "00002");
      assert.equal(forced.body.error.errorMessage, "Request timeout");
      assert.equal(forced.headers.get("x-request-status"), "failure");
    }
    const normal = await pull(sim, "F");
    assert.equal(normal.status, 404);
    assert.equal(normal.body.error.errorCode, "21902");
    assert.deepEqual((await admin.faults()).failNext, []);
    assert.equal((await admin.counters()).errorsInjected, 2);

    await admin.setFaults({ failNext: [{ status: 500, errorCode: "00034", count: 1 }] });
    const any = await tokenRequest(sim);
    assert.equal(any.status, 500);
    assert.equal(any.body.error.errorCode, "00034");
  } finally {
    await sim.shutdown();
  }
});

Deno.test("hangNext holds a request until the client gives up, then serves normally", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.setFaults({ hangNext: { count: 1, pathIncludes: "/v2/token" } });
    const started = performance.now();
    await assert.rejects(
      withTimeout(150, (signal) => tokenRequest(sim, signal)),
      (error: Error) => error.name === "AbortError",
    );
    assert.ok(performance.now() - started >= 140);
    const next = await withTimeout(2000, (signal) => tokenRequest(sim, signal));
    assert.equal(next.status, 200);
    const counters = await admin.counters();
    assert.equal(counters.hangsInjected, 1);
    assert.equal((await admin.faults()).hangNext, null);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("shutdown releases a request that is still hanging", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  await admin.setFaults({ hangNext: { count: 1 } });
  const pending = tokenRequest(sim);
  // Wait until the hang is in place before stopping.
  for (let i = 0; i < 100 && sim.state.counters.hangsInjected === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(sim.state.counters.hangsInjected, 1);
  await Promise.all([sim.shutdown(), pending.then((reply) => assert.equal(reply.status, 503))]);
});

Deno.test("errorRate 1 and timeoutRate 1 hit every API call; latencyMs delays it", async () => {
  const sim = await startSimulator({ rateLimit: 0 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.setFaults({ errorRate: 1 });
    for (let i = 0; i < 6; i++) {
      const reply = await tokenRequest(sim);
      assert.ok(
        (reply.status === 500 && reply.body.error.errorCode === "00034") ||
          (reply.status === 503 && reply.body.error.errorCode === "00002"),
        JSON.stringify(reply.body),
      );
    }
    await admin.setFaults({ errorRate: 0, timeoutRate: 1 });
    await assert.rejects(withTimeout(100, (signal) => tokenRequest(sim, signal)));
    await admin.setFaults({ timeoutRate: 0, latencyMs: 120 });
    const started = performance.now();
    assert.equal((await tokenRequest(sim)).status, 200);
    assert.ok(performance.now() - started >= 110);
    const counters = await admin.counters();
    assert.equal(counters.errorsInjected, 6);
    assert.equal(counters.hangsInjected, 1);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("malformedRate 1 breaks every generated notification", async () => {
  const sim = await startSimulator({
    rateLimit: 0,
    seed: 4,
    registrations: [{ reference: "M", duns: ["081466849"] }],
  });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await admin.setFaults({ malformedRate: 1 });
    await admin.enqueue("M", { generate: 20, types: ["UPDATE"] });
    const registration = sim.state.registrations.get("M")!;
    const broken = registration.queue.filter((item) => {
      const value = JSON.parse(item.text);
      return typeof value.type !== "string" || typeof value.organization?.duns !== "string" ||
        !Array.isArray(value.elements) || typeof value.deliveryTimeStamp !== "string";
    });
    assert.equal(broken.length, 20);
  } finally {
    await sim.shutdown();
  }
});

Deno.test("faults: bad settings are refused, reset restores defaults and zeroes counters", async () => {
  const sim = await startSimulator({ rateLimit: 3, tokenLifetime: 100 });
  const admin = new SimulatorAdmin(sim.url, { token: sim.adminToken });
  try {
    await assert.rejects(admin.setFaults({ errorRate: 2 }), /errorRate/);
    await assert.rejects(
      admin.setFaults({ nonsense: 1 } as Record<string, unknown>),
      /unknown fault setting/,
    );
    await assert.rejects(
      admin.setFaults({ failNext: [{ status: 200, errorCode: "x", count: 1 }] }),
      /status/,
    );
    await admin.setFaults({ errorRate: 0.5, latencyMs: 10, tokenLifetime: 5, rateLimit: 0 });
    await tokenRequest(sim);
    await admin.reset();
    const faults = await admin.faults();
    assert.equal(faults.errorRate, 0);
    assert.equal(faults.latencyMs, 0);
    assert.equal(faults.rateLimit, 3);
    assert.equal(faults.tokenLifetime, 100);
    assert.equal(faults.retryAfterSeconds, null);
    assert.deepEqual(await admin.counters(), {
      requests: 0,
      served: 0,
      pulled: 0,
      replayed: 0,
      rateLimited: 0,
      tokensIssued: 0,
      errorsInjected: 0,
      hangsInjected: 0,
      lostAfterDequeue: { reset: 0, hang: 0, error: 0, truncate: 0 },
      lostNotifications: 0,
    });
  } finally {
    await sim.shutdown();
  }
});
