import assert from "node:assert/strict";
import { Hono } from "hono";
import { Secret } from "../../src/model/secret.ts";
import { createHttpApp, type HttpViews } from "../../src/http/app.ts";

const TOKEN = "http-token-5e2b91-0123456789abcdef-ok";
/** What a browser or curl on this machine sends; `app.request` sets no Host of its own. */
const LOCAL = { host: "127.0.0.1:8080" };

function views(overrides: Partial<HttpViews> = {}): HttpViews {
  return {
    status: () => Promise.resolve({ service: { running: true } }),
    readiness: () => Promise.resolve({ ready: true, reasons: [] }),
    metrics: () => Promise.resolve("# HELP x y\n# TYPE x counter\nx 1\n"),
    ...overrides,
  };
}

function dashboard(): Hono {
  const app = new Hono();
  app.get("/", (c) => c.html("<h1>dashboard</h1>"));
  return app;
}

Deno.test("without a token every endpoint is open", async () => {
  const app = createHttpApp({ views: views(), authToken: null, dashboard: dashboard() });
  assert.equal(await (await app.request("/healthz", { headers: LOCAL })).text(), "ok");
  assert.equal((await app.request("/status", { headers: LOCAL })).status, 200);
  assert.equal((await app.request("/metrics", { headers: LOCAL })).status, 200);
  assert.equal((await app.request("/", { headers: LOCAL })).status, 200);
});

Deno.test("with a token: /status, /metrics and the dashboard need it; /healthz and /readyz stay open", async () => {
  const app = createHttpApp({
    views: views(),
    authToken: new Secret(TOKEN),
    dashboard: dashboard(),
  });
  for (const path of ["/status", "/metrics", "/"]) {
    const refused = await app.request(path, { headers: LOCAL });
    assert.equal(refused.status, 401, path);
    assert.match(refused.headers.get("www-authenticate") ?? "", /Bearer realm=.*Basic realm=/);
    assert.doesNotMatch(await refused.text(), new RegExp(TOKEN));
    const wrong = await app.request(path, { headers: { ...LOCAL, authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401, path);
    const bearer = await app.request(path, {
      headers: { ...LOCAL, authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(bearer.status, 200, path);
    const basic = await app.request(path, {
      headers: { ...LOCAL, authorization: `Basic ${btoa(`ops:${TOKEN}`)}` },
    });
    assert.equal(basic.status, 200, `${path} with Basic (a browser)`);
  }
  assert.equal((await app.request("/healthz", { headers: LOCAL })).status, 200);
  assert.equal((await app.request("/readyz", { headers: LOCAL })).status, 200);
});

Deno.test("/readyz is 503 with the reasons when not ready", async () => {
  const app = createHttpApp({
    views: views({
      readiness: () =>
        Promise.resolve({ ready: false, reasons: ["sftp_storage has been failing for 400 s"] }),
    }),
    authToken: null,
  });
  const response = await app.request("/readyz", { headers: LOCAL });
  assert.equal(response.status, 503);
  assert.deepEqual(await response.json(), {
    ready: false,
    reasons: ["sftp_storage has been failing for 400 s"],
  });
});

Deno.test("/metrics is Prometheus text; every answer carries a request id", async () => {
  const app = createHttpApp({ views: views(), authToken: null });
  const response = await app.request("/metrics", { headers: LOCAL });
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.match(response.headers.get("x-request-id") ?? "", /.{8,}/);
  await response.body?.cancel();
});

Deno.test("an error inside a view is a 500 with a request id, not a stack trace", async () => {
  const app = createHttpApp({
    views: views({ status: () => Promise.reject(new Error("boom")) }),
    authToken: null,
  });
  const response = await app.request("/status", { headers: LOCAL });
  assert.equal(response.status, 500);
  const body = await response.json();
  assert.equal(body.error, "internal");
  assert.ok(body.request_id);
  assert.doesNotMatch(JSON.stringify(body), /boom|\.ts:/);
});
