import assert from "node:assert/strict";
import { readBoundedText } from "../../src/dnb/bounded_body.ts";
import { DnbResponseTooLargeError } from "../../src/dnb/errors.ts";

const SITE = {
  method: "GET",
  path: "/v1/monitoring/registrations/R/notifications",
  endpoint: "pull",
};
const CHUNK = new Uint8Array(64 * 1024).fill(0x20);

/** A loopback server whose `/endless` streams 64 KiB chunks until the client goes. */
async function withServer(
  work: (url: string, sent: () => number) => Promise<void>,
): Promise<void> {
  let chunks = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/utf8") {
      // "é" split across two chunks: decoding must join them.
      const bytes = new TextEncoder().encode('{"name":"Société"}');
      const cut = bytes.indexOf(0xc3) + 1;
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(bytes.slice(0, cut));
            controller.enqueue(bytes.slice(cut));
            controller.close();
          },
        }),
      );
    }
    return new Response(
      new ReadableStream({
        pull(controller) {
          // Bounded so a broken client cannot make the test run away: 100 MB at most.
          if (chunks++ >= 1600) controller.close();
          else controller.enqueue(CHUNK);
        },
      }),
    );
  });
  try {
    await work(`http://127.0.0.1:${server.addr.port}`, () => chunks);
  } finally {
    await server.shutdown();
  }
}

Deno.test("a body under the limit is read whole, UTF-8 joined across chunks", async () => {
  await withServer(async (url) => {
    const text = await readBoundedText(await fetch(`${url}/utf8`), {
      limitBytes: 1024,
      site: SITE,
    });
    assert.equal(text, '{"name":"Société"}');
  });
});

Deno.test("a Content-Length over the limit is refused before any body byte is read", async () => {
  // Raw TCP: an HTTP server of Deno's own would not announce a length its body lacks.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const connection = await listener.accept();
    await connection.read(new Uint8Array(4096));
    await connection.write(
      new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 104857600\r\n\r\n{}"),
    );
    return connection;
  })();
  try {
    const response = await fetch(`http://127.0.0.1:${listener.addr.port}/announced`);
    const error = await readBoundedText(response, { limitBytes: 8 * 1024 * 1024, site: SITE })
      .catch((e) => e);
    assert.ok(error instanceof DnbResponseTooLargeError, String(error));
    assert.equal(error.code, "DNB_RESPONSE_TOO_LARGE");
    assert.match(error.message, /104857600 bytes \(Content-Length\), more than 8388608/);
    assert.match(error.message, /raise dnb_api\.max_response_bytes/);
  } finally {
    (await serving).close();
    listener.close();
  }
});

Deno.test("an endless body is cut off at the limit: memory stays bounded, the server is told", async () => {
  await withServer(async (url, sent) => {
    const error = await readBoundedText(await fetch(`${url}/endless`), {
      limitBytes: 1024 * 1024,
      site: SITE,
    }).catch((e) => e);
    assert.ok(error instanceof DnbResponseTooLargeError);
    assert.match(error.message, /more than 1048576 bytes/);
    // 1 MiB is 16 chunks; the stream stops a few chunks of buffering later, not at 100 MB.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(sent() < 100, `chunks produced: ${sent()}`);
  });
});
