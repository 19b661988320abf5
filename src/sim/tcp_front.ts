/**
 * The simulator's listening socket: a TCP relay in front of its HTTP server. Deno.serve always
 * sends a status line before a body can fail, so it cannot drop a connection before any byte —
 * the reset a lost pull response may be on the real network. The relay can: a handler asks it,
 * by the port its request came from, to close the client's connection.
 */

export interface TcpFront {
  /** The port clients connect to. */
  port: number;
  /** Closes the client connection relayed through `upstreamPort`, before any byte it awaits. */
  reset(upstreamPort: number): void;
  /** Stops listening and closes every relayed connection. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 500;

interface Relay {
  client: Deno.TcpConn;
  upstream: Deno.TcpConn;
  close(): void;
}

export function startTcpFront(
  options: { hostname: string; port: number; upstreamPort: number },
): TcpFront {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const relays = new Map<number, Relay>();
  const running = new Set<Promise<void>>();

  async function relay(client: Deno.TcpConn): Promise<void> {
    let upstream: Deno.TcpConn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: options.upstreamPort });
    } catch {
      client.close();
      return;
    }
    const key = (upstream.localAddr as Deno.NetAddr).port;
    let closed = false;
    const entry: Relay = {
      client,
      upstream,
      close() {
        if (closed) return;
        closed = true;
        relays.delete(key);
        for (const conn of [client, upstream]) {
          try {
            conn.close();
          } catch {
            // Already closed by the end of its stream.
          }
        }
      },
    };
    relays.set(key, entry);
    try {
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      const inbound = client.readable.pipeTo(upstream.writable).catch(() => {});
      const outbound = upstream.readable.pipeTo(client.writable).catch(() => {});
      // Either side ending ends the connection: HTTP/1.1 clients do not half-close.
      await Promise.race([inbound, outbound]);
      entry.close();
      await Promise.allSettled([inbound, outbound]);
    } finally {
      entry.close();
    }
  }

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const work = relay(conn).catch(() => {});
        running.add(work);
        work.then(() => running.delete(work));
      }
    } catch {
      // The listener was closed.
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    reset(upstreamPort) {
      relays.get(upstreamPort)?.close();
    },
    async close() {
      listener.close();
      await accepting;
      // The HTTP server has stopped, so each relay ends once it forwarded the last answer; give
      // them a moment before cutting what is left.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => timer = setTimeout(resolve, CLOSE_GRACE_MS)),
      ]);
      clearTimeout(timer);
      for (const entry of [...relays.values()]) entry.close();
      await Promise.allSettled([...running]);
    },
  };
}
