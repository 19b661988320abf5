import assert from "node:assert/strict";
import type { Hono } from "hono";
import { Secret } from "../../src/model/secret.ts";
import { createHttpApp, type HttpViews } from "../../src/http/app.ts";
import { dashboardRoutes } from "../../src/http/dashboard_routes.tsx";
import type { DashboardProvider } from "../../src/http/dashboard_data.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";
const LOCAL = { host: "127.0.0.1:8080" };

function views(overrides: Partial<HttpViews> = {}): HttpViews {
  return {
    status: () => Promise.resolve({ ok: true }),
    readiness: () => Promise.resolve({ ready: true, reasons: [] }),
    metrics: () => Promise.resolve("x 1\n"),
    ...overrides,
  };
}

function assertSecurityHeaders(response: Response, label: string): void {
  const h = response.headers;
  assert.equal(h.get("x-content-type-options"), "nosniff", label);
  assert.equal(h.get("referrer-policy"), "no-referrer", label);
  assert.equal(h.get("x-frame-options"), "DENY", label);
  assert.match(h.get("content-security-policy") ?? "", /frame-ancestors 'none'/, label);
  assert.equal(h.get("cache-control"), "no-store", label);
  assert.equal(h.get("strict-transport-security"), null, `${label}: HSTS is the TLS proxy's`);
}

Deno.test("200, 401, 404, 421, 500 and 503 answers all carry the security headers", async () => {
  const open = createHttpApp({ views: views(), authToken: null });
  const guarded = createHttpApp({ views: views(), authToken: new Secret(TOKEN) });
  const failing = createHttpApp({
    views: views({
      status: () => Promise.reject(new Error("boom")),
      readiness: () => Promise.resolve({ ready: false, reasons: ["x"] }),
    }),
    authToken: null,
  });
  const cases: [string, Hono, string, Record<string, string>, number][] = [
    ["/status", open, "/status", LOCAL, 200],
    ["/metrics", open, "/metrics", LOCAL, 200],
    ["/healthz", open, "/healthz", LOCAL, 200],
    ["/readyz", open, "/readyz", LOCAL, 200],
    ["401", guarded, "/status", LOCAL, 401],
    ["404", open, "/nope", LOCAL, 404],
    ["421", open, "/status", { host: "evil.example:8080" }, 421],
    ["500", failing, "/status", LOCAL, 500],
    ["503", failing, "/readyz", LOCAL, 503],
  ];
  for (const [label, app, path, headers, status] of cases) {
    const response = await app.request(path, { headers });
    assert.equal(response.status, status, label);
    assertSecurityHeaders(response, label);
    await response.body?.cancel();
  }
});

Deno.test("the dashboard keeps its own strict CSP, which forbids framing too", async () => {
  const provider = {
    dashboard: () => Promise.reject(new Error("no data in this test")),
  } as unknown as DashboardProvider;
  const app = createHttpApp({
    views: views(),
    authToken: null,
    dashboard: dashboardRoutes(provider),
  });
  const response = await app.request("/", { headers: LOCAL });
  const csp = response.headers.get("content-security-policy") ?? "";
  assert.match(csp, /^default-src 'none'; script-src 'sha256-/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.equal(response.headers.get("cache-control"), "no-store");
  await response.body?.cancel();
});
