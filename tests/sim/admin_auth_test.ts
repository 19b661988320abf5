import assert from "node:assert/strict";
import { SimulatorAdmin, SimulatorAdminError } from "../../src/sim/admin_client.ts";
import { createSimulatorApp } from "../../src/sim/app.ts";
import { newAdminToken } from "../../src/sim/admin_token.ts";
import { type RunningSimulator, SimulatorState, startSimulator } from "../../src/sim/server.ts";
import { readLinesUntil, runMain, spawnMain } from "../helpers/cli.ts";

const BASIC = `Basic ${btoa("simulator:simulator-secret")}`;

async function withSim(
  work: (sim: RunningSimulator) => Promise<void>,
  options: { adminToken?: string } = {},
): Promise<void> {
  const sim = await startSimulator({ rateLimit: 0, ...options });
  try {
    await work(sim);
  } finally {
    await sim.shutdown();
  }
}

/** A call to the admin API; the body is read so no stream outlives the test. */
async function admin(
  sim: RunningSimulator,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${sim.url}${path}`, {
    method: init.method ?? "GET",
    headers: init.headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

const CREATE = { reference: "FROM_A_PAGE", duns: ["081466849"] };

Deno.test("a generated admin token: 32 random bytes in hex, new for every simulator", async () => {
  const first = await startSimulator({ rateLimit: 0 });
  const second = await startSimulator({ rateLimit: 0 });
  try {
    assert.match(first.adminToken, /^[0-9a-f]{64}$/);
    assert.match(second.adminToken, /^[0-9a-f]{64}$/);
    assert.notEqual(first.adminToken, second.adminToken);
    assert.equal(first.state.adminToken, first.adminToken);
  } finally {
    await first.shutdown();
    await second.shutdown();
  }
});

Deno.test("the admin API: no token 401, a wrong one 401, the right one 200", async () => {
  await withSim(async (sim) => {
    const none = await admin(sim, "/_sim/counters");
    assert.equal(none.status, 401);
    const noneBody = JSON.parse(none.text);
    assert.equal(noneBody.error, "admin token missing");
    assert.match(noneBody.message, /send Authorization: Bearer <the simulator's admin token>/);

    for (
      const authorization of [
        `Bearer ${newAdminToken()}`,
        `Bearer ${sim.adminToken.slice(0, -1)}`,
        `Bearer ${sim.adminToken}x`,
        `Basic ${sim.adminToken}`,
        sim.adminToken,
        "Bearer",
      ]
    ) {
      const wrong = await admin(sim, "/_sim/counters", { headers: { authorization } });
      assert.equal(wrong.status, 401, authorization);
      assert.ok(!wrong.text.includes(sim.adminToken), "a refusal never echoes the token");
      assert.equal(wrong.headers.get("content-type")?.split(";")[0], "application/json");
    }

    const right = await admin(sim, "/_sim/counters", { headers: bearer(sim.adminToken) });
    assert.equal(right.status, 200);
    assert.equal(typeof JSON.parse(right.text).requests, "number");
    // The scheme is case-insensitive, as in RFC 9110.
    const lower = await admin(sim, "/_sim/counters", {
      headers: { authorization: `bearer ${sim.adminToken}` },
    });
    assert.equal(lower.status, 200);
  });
});

Deno.test("every admin route and method is behind the token, unknown paths too", async () => {
  await withSim(async (sim) => {
    sim.state.addRegistration("R");
    const calls: [string, string][] = [
      ["POST", "/_sim/registrations"],
      ["GET", "/_sim/registrations/R"],
      ["POST", "/_sim/registrations/R/notifications"],
      ["GET", "/_sim/faults"],
      ["PUT", "/_sim/faults"],
      ["GET", "/_sim/counters"],
      ["POST", "/_sim/reset"],
      ["GET", "/_sim/clock"],
      ["POST", "/_sim/clock"],
      ["POST", "/_sim/tokens/expire"],
      ["POST", "/_sim/tokens/revoke"],
      ["GET", "/_sim"],
      ["GET", "/_sim/"],
      ["GET", "/_sim/nothing-here"],
      ["OPTIONS", "/_sim/registrations"],
    ];
    for (const [method, path] of calls) {
      const reply = await admin(sim, path, { method, body: method === "GET" ? undefined : {} });
      assert.equal(reply.status, 401, `${method} ${path}`);
    }
    assert.equal(sim.state.registrations.size, 1);
    assert.equal(sim.state.tokens.revokeAll(), 0);
  });
});

Deno.test("a chosen admin token is the one accepted; an unusable one is refused at start", async () => {
  await withSim(async (sim) => {
    assert.equal(sim.adminToken, "chosen-token-for-a-demo");
    const client = new SimulatorAdmin(sim.url, { token: "chosen-token-for-a-demo" });
    assert.equal((await client.counters()).requests, 0);
    const stranger = new SimulatorAdmin(sim.url, { token: "another-token" });
    const error = await stranger.counters().catch((e) => e);
    assert.ok(error instanceof SimulatorAdminError);
    assert.equal(error.status, 401);
  }, { adminToken: "chosen-token-for-a-demo" });
  for (const adminToken of ["", "two words", "tab\there", "é-accent"]) {
    await assert.rejects(startSimulator({ adminToken }), { code: "SIM_ADMIN_TOKEN_INVALID" });
  }
});

Deno.test("a request with an Origin is refused 403 before the token, and creates nothing", async () => {
  await withSim(async (sim) => {
    for (const origin of ["http://127.0.0.1:9999", "null", sim.url]) {
      const reply = await admin(sim, "/_sim/registrations", {
        method: "POST",
        headers: { ...bearer(sim.adminToken), origin, "content-type": "text/plain" },
        body: CREATE,
      });
      assert.equal(reply.status, 403, origin);
      const body = JSON.parse(reply.text);
      assert.equal(body.error, "cross-origin request refused");
      assert.ok(!reply.text.includes(sim.adminToken));
      for (const name of reply.headers.keys()) {
        assert.ok(!name.startsWith("access-control-"), name);
      }
    }
    // Without a token as well: 403, not 401, so a page learns nothing about the token.
    const anonymous = await admin(sim, "/_sim/registrations/R/notifications", {
      method: "POST",
      headers: { origin: "http://127.0.0.1:9999" },
      body: { generate: 5 },
    });
    assert.equal(anonymous.status, 403);
    // A preflight gets no CORS permission either.
    const preflight = await admin(sim, "/_sim/registrations", {
      method: "OPTIONS",
      headers: {
        origin: "http://127.0.0.1:9999",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    assert.equal(sim.state.registrations.size, 0);
    assert.equal(sim.state.registrations.has(CREATE.reference), false);
  });
});

Deno.test("Sec-Fetch-Site other than none is refused 403; none (a user's own navigation) passes", async () => {
  await withSim(async (sim) => {
    for (const site of ["cross-site", "same-site", "same-origin", "CROSS-SITE"]) {
      const reply = await admin(sim, "/_sim/registrations", {
        method: "POST",
        headers: { ...bearer(sim.adminToken), "sec-fetch-site": site },
        body: CREATE,
      });
      assert.equal(reply.status, 403, site);
    }
    assert.equal(sim.state.registrations.size, 0);
    const none = await admin(sim, "/_sim/counters", {
      headers: { ...bearer(sim.adminToken), "sec-fetch-site": "none" },
    });
    assert.equal(none.status, 200);
  });
});

Deno.test("with the right token and no browser headers, the admin API creates what it is asked", async () => {
  await withSim(async (sim) => {
    const created = await admin(sim, "/_sim/registrations", {
      method: "POST",
      headers: { ...bearer(sim.adminToken), "content-type": "application/json" },
      body: CREATE,
    });
    assert.equal(created.status, 201);
    for (const name of created.headers.keys()) {
      assert.ok(!name.startsWith("access-control-"), name);
    }
    assert.equal(sim.state.registrations.has(CREATE.reference), true);
  });
});

Deno.test("the D&B surface needs no admin token: token endpoints and data calls as before", async () => {
  await withSim(async (sim) => {
    const v2 = await fetch(`${sim.url}/v2/token`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    assert.equal(v2.status, 200);
    const { access_token } = await v2.json();
    const v3 = await fetch(`${sim.url}/v3/token`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    assert.equal(v3.status, 200);
    await v3.body?.cancel();
    const list = await fetch(`${sim.url}/v1/monitoring/registrations`, {
      headers: bearer(access_token),
    });
    assert.equal(list.status, 200);
    await list.body?.cancel();
    // The admin token is no D&B token.
    const misused = await fetch(`${sim.url}/v1/monitoring/registrations`, {
      headers: bearer(sim.adminToken),
    });
    assert.equal(misused.status, 401);
    await misused.body?.cancel();
  });
});

Deno.test("the app without a server checks the token its state carries", async () => {
  const state = new SimulatorState({ rateLimit: 0, adminToken: "in-memory-token" });
  const app = createSimulatorApp(state);
  assert.equal((await app.request("/_sim/counters")).status, 401);
  const ok = await app.request("/_sim/counters", { headers: bearer("in-memory-token") });
  assert.equal(ok.status, 200);
  const crossSite = await app.request("/_sim/counters", {
    headers: { ...bearer("in-memory-token"), "sec-fetch-site": "cross-site" },
  });
  assert.equal(crossSite.status, 403);
});

/**
 * `main.ts simulate` as a user runs it: its first lines, and a check that the admin API takes the
 * printed token (and only it), which then stops the process.
 */
async function simulateOutput(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ lines: string[]; checkAndStop: () => Promise<void> }> {
  const child = spawnMain(["simulate", "--port", "0", ...args], { env });
  const stderr = readLinesUntil(child.stderr, () => false, 60_000);
  const { lines, finished } = await readLinesUntil(
    child.stdout,
    (seen) => seen.some((line) => line.startsWith("admin API:")),
  );
  return {
    lines,
    checkAndStop: async () => {
      const seen = lines;
      try {
        const url = /simulator at (http:\/\/\S+)/.exec(seen.join("\n"))?.[1];
        const token = /^admin token: (\S+)$/m.exec(seen.join("\n"))?.[1];
        assert.ok(url && token, seen.join("\n"));
        const ok = await fetch(`${url}/_sim/counters`, { headers: bearer(token) });
        assert.equal(ok.status, 200);
        await ok.body?.cancel();
        const refused = await fetch(`${url}/_sim/counters`);
        assert.equal(refused.status, 401);
        await refused.body?.cancel();
      } finally {
        child.kill("SIGTERM");
        await child.status;
        await finished;
        await (await stderr).finished;
      }
    },
  };
}

Deno.test("simulate prints its admin token and a curl hint; TRACEONE_SIM_ADMIN_TOKEN and --admin-token choose it", async () => {
  const random = await simulateOutput([]);
  await random.checkAndStop();
  assert.equal(random.lines.filter((line) => line.startsWith("admin token: ")).length, 1);
  assert.match(random.lines.join("\n"), /^admin token: [0-9a-f]{64}$/m);
  assert.match(
    random.lines.join("\n"),
    /^admin API: curl -H "Authorization: Bearer <admin token>" http:\/\/127\.0\.0\.1:\d+\/_sim\/counters/m,
  );

  const fromEnv = await simulateOutput([], { TRACEONE_SIM_ADMIN_TOKEN: "token-from-the-env" });
  await fromEnv.checkAndStop();
  assert.match(fromEnv.lines.join("\n"), /^admin token: token-from-the-env$/m);

  const fromOption = await simulateOutput(["--admin-token", "token-from-the-option"], {
    TRACEONE_SIM_ADMIN_TOKEN: "token-from-the-env",
  });
  await fromOption.checkAndStop();
  assert.match(fromOption.lines.join("\n"), /^admin token: token-from-the-option$/m);

  const bad = await runMain(["simulate", "--port", "0", "--admin-token", "two words"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--admin-token: the simulator's admin token must be/);
});
