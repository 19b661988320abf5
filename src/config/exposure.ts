/**
 * When the HTTP listener is open to other machines without a token. `/status`, `/metrics` and
 * the dashboard then tell anyone who reaches the port the account's registrations, errors and
 * volumes. In production that is a configuration error; elsewhere a warning (a developer on a
 * trusted network may want it).
 */

/** What the rule looks at, from the file (before defaults) or from the resolved config. */
export interface ListenerExposure {
  enabled: boolean;
  hostname: string;
  port: number;
  hasAuthToken: boolean;
}

/** Whether an address to listen on reaches this machine only. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1") return true;
  // The long spellings of ::1, and IPv4 loopback, also as an IPv4-mapped IPv6 address.
  if (/^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
  return /^(::ffff:)?127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Why the listener is exposed, naming the address and port, or null when it is not (disabled,
 * loopback, or token-protected). Phrased to follow the key `http.auth_token`.
 */
export function listenerExposure(listener: ListenerExposure): string | null {
  if (!listener.enabled || listener.hasAuthToken || isLoopbackHost(listener.hostname)) return null;
  return `not set while http.hostname ${JSON.stringify(listener.hostname)} accepts connections ` +
    `from other machines: anyone who reaches port ${listener.port} can read /status, /metrics ` +
    "and the dashboard";
}

/** What to do about an exposed listener, shown in parentheses after the problem. */
export const EXPOSURE_ADVICE =
  'set http.auth_token, e.g. "${TRACEONE_HTTP_TOKEN}", or listen on 127.0.0.1 behind a proxy that authenticates';
