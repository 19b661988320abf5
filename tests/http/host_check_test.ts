import assert from "node:assert/strict";
import { Hono } from "hono";
import { Secret } from "../../src/model/secret.ts";
import { createHttpApp, type HttpAppOptions, type HttpViews } from "../../src/http/app.ts";
import { isAllowedHost, isLoopbackName, parseHostName } from "../../src/http/host_check.ts";
import { startHttpServer } from "../../src/http/server.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";
const REBOUND = "evil.example:8080";

const views: HttpViews = {
  status: () => Promise.resolve({ service: { running: true } }),
  readiness: () => Promise.resolve({ ready: true, reasons: [] }),
  metrics: () => Promise.resolve("x 1\n"),
};

function app(options: Partial<HttpAppOptions> = {}): Hono {
  const dashboard = new Hono();
  dashboard.get("/", (c) => c.html("<h1>dashboard</h1>"));
  return createHttpApp({ views, authToken: null, dashboard, ...options });
}

function get(target: Hono, path: string, headers: Record<string, string> = {}) {
  return target.request(path, { headers });
}

Deno.test("without a token, a DNS-rebinding request (foreign Host) is refused with 421 on every route", async () => {
  const open = app();
  for (const path of ["/status", "/", "/metrics", "/healthz", "/readyz", "/nope"]) {
    const response = await get(open, path, { host: REBOUND });
    assert.equal(response.status, 421, path);
    const body = await response.json();
    assert.equal(body.error, "host_not_allowed");
    assert.match(body.message, /http\.allowed_hosts/);
    assert.match(body.message, /add "evil\.example" to http\.allowed_hosts/);
  }
});

Deno.test("loopback Host names pass without a token, with any port", async () => {
  const open = app();
  for (
    const host of [
      "localhost",
      "localhost:8080",
      "LOCALHOST:1",
      "dash.localhost:9000",
      "127.0.0.1",
      "127.0.0.1:8080",
      "127.8.9.10:80",
      "[::1]",
      "[::1]:8080",
    ]
  ) {
    assert.equal((await get(open, "/status", { host })).status, 200, host);
  }
});

Deno.test("a missing or malformed Host is refused, and never echoed", async () => {
  const open = app();
  const missing = await open.request("/status");
  assert.equal(missing.status, 421);
  assert.match((await missing.json()).message, /no Host header/);
  for (
    const host of ["evil.example <script>", "a@b", "localhost, evil.example", "::2", "x:99999"]
  ) {
    const response = await get(open, "/status", { host });
    assert.equal(response.status, 421, host);
    const text = await response.text();
    assert.match(text, /not a host name/);
    assert.ok(!text.includes(host), `${host} echoed`);
  }
});

Deno.test("an allowed_hosts entry passes; others still fail; the list is enforced with a token too", async () => {
  const listed = app({ allowedHosts: ["monitor.example.com", "ops.example.com:8443"] });
  assert.equal((await get(listed, "/status", { host: "monitor.example.com" })).status, 200);
  assert.equal((await get(listed, "/status", { host: "Monitor.Example.COM.:8080" })).status, 200);
  assert.equal((await get(listed, "/status", { host: "ops.example.com:8443" })).status, 200);
  assert.equal((await get(listed, "/status", { host: "ops.example.com:8080" })).status, 421);
  assert.equal((await get(listed, "/status", { host: REBOUND })).status, 421);
  assert.equal((await get(listed, "/status", { host: "localhost:8080" })).status, 200);

  const guarded = app({ authToken: new Secret(TOKEN), allowedHosts: ["monitor.example.com"] });
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.equal(
    (await get(guarded, "/status", { ...auth, host: "monitor.example.com:8080" })).status,
    200,
  );
  const foreign = await get(guarded, "/status", { ...auth, host: REBOUND });
  assert.equal(foreign.status, 421, "the token does not lift a non-empty allowed_hosts");
  assert.equal((await get(guarded, "/healthz", { host: REBOUND })).status, 421);
});

Deno.test("with a token and no allowed_hosts, any Host passes to the token check", async () => {
  const guarded = app({ authToken: new Secret(TOKEN) });
  assert.equal((await get(guarded, "/status", { host: REBOUND })).status, 401);
  const ok = await get(guarded, "/status", {
    host: "10.0.0.5:8080",
    authorization: `Bearer ${TOKEN}`,
  });
  assert.equal(ok.status, 200);
  assert.equal((await get(guarded, "/healthz", { host: "10.0.0.5:8080" })).status, 200);
});

Deno.test("parseHostName and isLoopbackName: the pure rules", () => {
  assert.deepEqual(parseHostName("Example.COM.:8080"), { name: "example.com", port: 8080 });
  assert.deepEqual(parseHostName("[::1]"), { name: "[::1]", port: null });
  assert.equal(parseHostName("http://x"), null);
  assert.equal(parseHostName(""), null);
  assert.equal(parseHostName("x y"), null);
  assert.ok(isLoopbackName("a.b.localhost"));
  assert.ok(!isLoopbackName("localhost.evil.example"));
  assert.ok(!isLoopbackName("127.0.0.1.evil.example"));
  assert.ok(!isLoopbackName("[::2]"));
  assert.ok(isAllowedHost({ name: "m.example", port: 1 }, [{ name: "m.example", port: null }]));
  assert.ok(!isAllowedHost({ name: "m.example", port: 1 }, [{ name: "m.example", port: 2 }]));
});

/** One raw HTTP/1.1 request over TCP: fetch does not let a caller choose the Host header. */
async function rawRequest(port: number, head: string): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(head));
    let text = "";
    const buffer = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    while (true) {
      const read = await connection.read(buffer);
      if (read === null) break;
      text += decoder.decode(buffer.subarray(0, read), { stream: true });
    }
    return text;
  } finally {
    connection.close();
  }
}

Deno.test("over a real server on 127.0.0.1, a raw request with a foreign Host gets 421", async () => {
  const server = await startHttpServer(app(), { hostname: "127.0.0.1", port: 0 });
  try {
    const port = Number(new URL(server.url).port);
    const refused = await rawRequest(
      port,
      `GET /status HTTP/1.1\r\nHost: ${REBOUND}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(refused, /^HTTP\/1\.1 421 /);
    assert.match(refused, /"error":"host_not_allowed"/);
    assert.match(refused, /x-frame-options: DENY/i);
    const dashboard = await rawRequest(
      port,
      `GET / HTTP/1.1\r\nHost: ${REBOUND}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(dashboard, /^HTTP\/1\.1 421 /);
    assert.doesNotMatch(dashboard, /<h1>dashboard/);
    const local = await rawRequest(
      port,
      `GET /status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(local, /^HTTP\/1\.1 200 /);
    const fetched = await fetch(`${server.url}status`);
    assert.equal(fetched.status, 200, "fetch's own Host (127.0.0.1:port) is loopback");
    await fetched.body?.cancel();
  } finally {
    await server.shutdown();
  }
});
