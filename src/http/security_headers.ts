import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * The headers every answer carries, errors and probes included: no MIME sniffing, no referrer,
 * no framing (clickjacking the dashboard's dead-letter buttons), and no caching of what is live
 * operational state. `overwrite: false` keeps what a route set itself, so the dashboard's strict
 * CSP (which has `frame-ancestors 'none'` too) stays; every other answer gets a CSP that only
 * forbids framing.
 *
 * HSTS is left to the TLS proxy in front, if any: this server speaks plain HTTP, and an
 * `includeSubDomains` pin sent from here would bind the operator's whole domain.
 */
export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    xContentTypeOptions: "nosniff",
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    contentSecurityPolicy: { frameAncestors: ["'none'"] },
    strictTransportSecurity: false,
    overwrite: false,
  });
  return async (c, next) => {
    await headers(c, async () => {
      await next();
      if (!c.res.headers.has("cache-control")) c.res.headers.set("Cache-Control", "no-store");
    });
  };
}
