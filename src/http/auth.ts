import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Secret } from "../model/secret.ts";

/**
 * Requires the configured token as `Authorization: Bearer <token>` (for curl and Prometheus) or
 * as the password of HTTP Basic auth (so a browser can open the dashboard). The comparison is
 * constant-time over SHA-256 digests, which also equalises lengths. Pages ask the browser for
 * credentials; API answers say how to authenticate in JSON.
 */
export function requireToken(token: Secret, options: { realm: string }): MiddlewareHandler {
  const expected = digest(token.reveal());
  return async (c, next) => {
    const presented = presentedToken(c.req.header("authorization"));
    if (presented !== null && timingSafeEqual(digest(presented), expected)) return await next();
    c.header("WWW-Authenticate", `Bearer realm="${options.realm}", Basic realm="${options.realm}"`);
    return c.json({
      error: "unauthorized",
      message: "send Authorization: Bearer <http.auth_token>",
    }, 401);
  };
}

function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return null;
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() === "basic") {
    try {
      const decoded = atob(value);
      return decoded.slice(decoded.indexOf(":") + 1);
    } catch {
      return null;
    }
  }
  return null;
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}
