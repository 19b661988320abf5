import assert from "node:assert/strict";
import { Hono } from "hono";
import { HttpListenError, startHttpServer } from "../../src/http/server.ts";

Deno.test("a port in use is a clear error naming http.port", async () => {
  const app = new Hono().get("/", (c) => c.text("hi"));
  const first = await startHttpServer(app, { hostname: "127.0.0.1", port: 0 });
  try {
    const port = Number(new URL(first.url).port);
    assert.equal(await (await fetch(first.url)).text(), "hi");
    await assert.rejects(
      startHttpServer(app, { hostname: "127.0.0.1", port }),
      (error: unknown) =>
        error instanceof HttpListenError && error.code === "HTTP_LISTEN_FAILED" &&
        error.message ===
          `http: 127.0.0.1:${port} is already in use (choose another http.port, or 0 for any free port)`,
    );
  } finally {
    await first.shutdown();
  }
});
