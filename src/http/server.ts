import type { Hono } from "hono";

export interface RunningHttpServer {
  url: string;
  /** Lets in-flight requests finish, then closes. */
  shutdown(): Promise<void>;
}

export function startHttpServer(
  app: Hono,
  options: { hostname: string; port: number },
): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        onListen: (addr) => {
          const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
          resolve({ url: `http://${host}:${addr.port}/`, shutdown: () => server.shutdown() });
        },
      }, app.fetch);
    } catch (error) {
      reject(error);
    }
  });
}
