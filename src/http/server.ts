import type { Hono } from "hono";

export interface RunningHttpServer {
  url: string;
  /** Lets in-flight requests finish, then closes. */
  shutdown(): Promise<void>;
}

/** The HTTP server could not listen where the configuration says. */
export class HttpListenError extends Error {
  readonly code = "HTTP_LISTEN_FAILED";

  constructor(message: string) {
    super(`http: ${message}`);
    this.name = "HttpListenError";
  }
}

/** Serves `app` on `Deno.serve`; resolves once it listens. */
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
      reject(
        error instanceof Deno.errors.AddrInUse
          ? new HttpListenError(
            `${options.hostname}:${options.port} is already in use (choose another http.port, ` +
              "or 0 for any free port)",
          )
          : error,
      );
    }
  });
}
