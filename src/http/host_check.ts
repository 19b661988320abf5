import type { MiddlewareHandler } from "hono";
import { logger } from "../log.ts";

/**
 * DNS rebinding: a page on `evil.example` re-points its own name at 127.0.0.1 and then reads
 * this server as same-origin, token-less, from inside the operator's browser. The browser still
 * sends `Host: evil.example`, so the Host header is what tells such a request apart. Loopback
 * names always pass (no page on another site can make a browser send them); any other name must
 * be listed in `http.allowed_hosts`.
 *
 * `X-Forwarded-Host` is deliberately ignored: the rebound page is same-origin, so it can set that
 * header without a CORS preflight.
 */

/** A `Host` header or an `http.allowed_hosts` entry, taken apart. */
export interface HostName {
  /** Lower case, without a trailing dot; an IPv6 address keeps its brackets. */
  name: string;
  port: number | null;
}

// reg-name or IPv4 (letters, digits, `.`, `-`, `_`), or a bracketed IPv6 literal; then a port.
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?)(?::([0-9]{1,5}))?$/i;

/** The name and port of `value`, or null when it is not `name[:port]` (spaces, a list, `@`). */
export function parseHostName(value: string): HostName | null {
  const match = HOST.exec(value);
  if (match === null) return null;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && port > 65535) return null;
  return { name: match[1].toLowerCase().replace(/\.$/, ""), port };
}

/** Whether a Host name reaches this machine only: localhost, *.localhost, 127.x.x.x, [::1]. */
export function isLoopbackName(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (name === "[::1]" || /^\[::ffff:127(\.\d{1,3}){3}\]$/.test(name)) return true;
  return /^127(\.\d{1,3}){3}$/.test(name);
}

/** Whether `host` is loopback or matches an entry (an entry without a port matches any port). */
export function isAllowedHost(host: HostName, allowed: readonly HostName[]): boolean {
  if (isLoopbackName(host.name)) return true;
  return allowed.some((entry) =>
    entry.name === host.name && (entry.port === null || entry.port === host.port)
  );
}

export interface HostCheckOptions {
  /** `http.allowed_hosts`, as written in the configuration. */
  allowedHosts: readonly string[];
  /**
   * Whether `http.auth_token` is set. A token defeats rebinding on its own (the attacker's page
   * does not know it), so with a token the check runs only when `allowedHosts` is non-empty.
   */
  hasToken: boolean;
}

const log = logger("http", "host");

/** Refuses with 421 a request whose Host is neither loopback nor in `http.allowed_hosts`. */
export function requireAllowedHost(options: HostCheckOptions): MiddlewareHandler {
  const allowed = options.allowedHosts.flatMap((entry) => parseHostName(entry.trim()) ?? []);
  const enforced = !options.hasToken || options.allowedHosts.length > 0;
  return async (c, next) => {
    if (!enforced) return await next();
    const header = c.req.header("host");
    const host = header === undefined ? null : parseHostName(header);
    if (host !== null && isAllowedHost(host, allowed)) return await next();
    const message = refusalMessage(header === undefined ? "missing" : host);
    log.warn("refused {method} {path}: {message}", {
      method: c.req.method,
      path: c.req.path,
      message,
    });
    return c.json({ error: "host_not_allowed", message }, 421);
  };
}

/**
 * Quotes the Host only once it parsed, so only host-name characters reach the answer and the
 * log; a malformed one is described, never echoed.
 */
function refusalMessage(host: HostName | null | "missing"): string {
  const rule = "this server answers only to loopback names (localhost, 127.0.0.1, [::1]) and " +
    "the names in http.allowed_hosts";
  if (host === "missing") return `refused: the request has no Host header; ${rule}`;
  if (host === null) return `refused: the Host header is not a host name; ${rule}`;
  const shown = host.port === null ? host.name : `${host.name}:${host.port}`;
  return `refused: Host "${shown}" is not allowed; ${rule}. If clients reach this server as ` +
    `${host.name}, add "${host.name}" to http.allowed_hosts`;
}
