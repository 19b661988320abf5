import type { Context, MiddlewareHandler } from "hono";

/** Why a state-changing request was refused as cross-site. */
export type CrossSiteReason = "sec-fetch-site" | "origin";

/**
 * Refuses a state-changing request (anything but GET, HEAD, OPTIONS) that a browser sent on
 * behalf of another site. A browser sends HTTP Basic credentials with any form post to this
 * host, so the token check alone would let any page the operator opens discard dead letters.
 *
 * `Sec-Fetch-Site` decides when present (only `same-origin` passes); else `Origin` must name
 * this host (`Host`, or `X-Forwarded-Host` behind a proxy, which a cross-site form cannot set).
 * A request with neither is not from a browser that could be tricked (curl, scripts holding the
 * token) and passes.
 */
export function requireSameOrigin(
  options: { onRefused?(c: Context, reason: CrossSiteReason): Response | Promise<Response> } = {},
): MiddlewareHandler {
  return async (c, next) => {
    if (["GET", "HEAD", "OPTIONS"].includes(c.req.method)) return await next();
    const reason = crossSiteReason({
      secFetchSite: c.req.header("sec-fetch-site") ?? null,
      origin: c.req.header("origin") ?? null,
      hosts: [c.req.header("host"), c.req.header("x-forwarded-host"), new URL(c.req.url).host],
    });
    if (reason === null) return await next();
    if (options.onRefused) return await options.onRefused(c, reason);
    return c.json({
      error: "cross_site_request",
      message: "refused: this request came from another site; use the dashboard itself",
    }, 403);
  };
}

/** Null when the request may go on; else which header showed it came from elsewhere. */
export function crossSiteReason(
  request: { secFetchSite: string | null; origin: string | null; hosts: (string | undefined)[] },
): CrossSiteReason | null {
  if (request.secFetchSite !== null) {
    return request.secFetchSite === "same-origin" ? null : "sec-fetch-site";
  }
  if (request.origin === null) return null;
  let host: string;
  try {
    // `null` (a sandboxed frame, a privacy redirect) does not parse and is refused.
    host = new URL(request.origin).host;
  } catch {
    return "origin";
  }
  const own = request.hosts.filter((h): h is string => !!h).map((h) => h.toLowerCase());
  return own.includes(host.toLowerCase()) ? null : "origin";
}
