import { createHmac, timingSafeEqual } from "node:crypto";

/** The header that carries the signature of a webhook body. */
export const SIGNATURE_HEADER = "X-TraceOne-Signature";
/** The header that carries the alert id, for receivers that de-duplicate before parsing. */
export const ALERT_ID_HEADER = "X-TraceOne-Alert-Id";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the scheme Stripe uses: the time is
 * signed with the body, so a captured request cannot be replayed later than the receiver's
 * tolerance, and the receiver needs nothing but the shared key to check it.
 */
export function signatureHeader(body: string, options: { key: string; timestamp: number }): string {
  const t = Math.floor(options.timestamp);
  return `t=${t},v1=${hmacHex(options.key, `${t}.${body}`)}`;
}

export interface VerifyOptions {
  key: string;
  /** Unix seconds now. */
  now: number;
  /** How old (or how far ahead) `t` may be, in seconds; Stripe uses 300. */
  toleranceSeconds?: number;
}

/** Why a signature header does not prove `body`, or null when it does. For receivers and tests. */
export function signatureProblem(
  header: string | null,
  body: string,
  options: VerifyOptions,
): string | null {
  if (header === null) return "no signature header";
  const parts = new Map<string, string[]>();
  for (const piece of header.split(",")) {
    const at = piece.indexOf("=");
    if (at < 0) continue;
    const name = piece.slice(0, at).trim();
    parts.set(name, [...(parts.get(name) ?? []), piece.slice(at + 1).trim()]);
  }
  const t = Number(parts.get("t")?.[0]);
  if (!Number.isInteger(t)) return "no timestamp in the signature header";
  if (Math.abs(options.now - t) > (options.toleranceSeconds ?? 300)) {
    return "the signature timestamp is outside the tolerance";
  }
  const encoder = new TextEncoder();
  const expected = encoder.encode(hmacHex(options.key, `${t}.${body}`));
  const ok = (parts.get("v1") ?? []).some((given) => {
    const bytes = encoder.encode(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  });
  return ok ? null : "the signature does not match";
}

function hmacHex(key: string, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}
