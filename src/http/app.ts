import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { Secret } from "../model/secret.ts";
import { logger, withContext } from "../log.ts";
import { requireToken } from "./auth.ts";
import { requireAllowedHost } from "./host_check.ts";
import { securityHeaders } from "./security_headers.ts";

/** Read-only views of the running service that the HTTP surface shows. */
export interface HttpViews {
  status(): Promise<unknown>;
  readiness(): Promise<{ ready: boolean; reasons: string[] }>;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
}

export interface HttpAppOptions {
  views: HttpViews;
  /** When set, everything but /healthz and /readyz requires it. */
  authToken: Secret | null;
  /** The dashboard pages, mounted at `/` behind the same token. */
  dashboard?: Hono | null;
  /**
   * `http.allowed_hosts`: Host names besides loopback that requests may carry. Checked on every
   * route when there is no token, and whenever the list is non-empty. Empty by default.
   */
  allowedHosts?: readonly string[];
}

const log = logger("http");

/**
 * The operations surface: liveness and readiness (always open, for orchestrators), status and
 * metrics (token-protected when `http.auth_token` is set) and the dashboard. Every route, the
 * probes included, first passes the Host check (DNS rebinding), and every answer carries the
 * security headers.
 */
export function createHttpApp(options: HttpAppOptions): Hono {
  const token = options.authToken;
  const hasToken = token !== null && !token.isEmpty;
  const app = new Hono();
  app.use(securityHeaders());
  app.use(requestId());
  app.use((c, next) => withContext({ requestId: c.get("requestId") }, next));
  app.use(requireAllowedHost({ allowedHosts: options.allowedHosts ?? [], hasToken }));
  app.onError((error, c) => {
    log.error("{method} {path} failed: {error}", {
      method: c.req.method,
      path: c.req.path,
      requestId: c.get("requestId"),
      error: error.message,
    });
    return c.json({
      error: "internal",
      message: "see the service log",
      request_id: c.get("requestId"),
    }, 500);
  });

  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", async (c) => {
    const readiness = await options.views.readiness();
    return c.json(readiness, readiness.ready ? 200 : 503);
  });

  const guarded = new Hono();
  if (token && hasToken) guarded.use(requireToken(token, { realm: "TraceOne Monitor" }));
  guarded.get("/status", async (c) => c.json(await options.views.status()));
  guarded.get("/metrics", async (c) =>
    c.body(await options.views.metrics(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  if (options.dashboard) guarded.route("/", options.dashboard);
  app.route("/", guarded);
  return app;
}
