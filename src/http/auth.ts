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

// RFC 7235 allows one space between scheme and credentials; anything else (a tab, two spaces, a
// second word, a second header joined with ", ") is refused rather than guessed at, so no proxy
// or client quirk can make two parsers read different tokens out of one header.
const BEARER = /^bearer ([\x21-\x7e]+)$/i;
const BASIC = /^basic ([A-Za-z0-9+/]+={0,2})$/i;

/** The token an `Authorization` header presents, or null when it is not exactly one of ours. */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = BEARER.exec(header);
  if (bearer) return bearer[1];
  const basic = BASIC.exec(header);
  if (!basic) return null;
  let decoded: string;
  try {
    const bytes = Uint8Array.from(atob(basic[1]), (char) => char.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  return colon === -1 ? null : decoded.slice(colon + 1);
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}
