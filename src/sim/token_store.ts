/** Issued bearer tokens and their expiry on the simulated clock. */

/** `revoked`: invalidated before its expiry, which D&B answers with 401 `00004`. */
export type TokenStatus = "valid" | "expired" | "revoked" | "unknown";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Opaque, 28 characters, like the real ones (not a JWT). */
function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(28));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

export class TokenStore {
  readonly #expiries = new Map<string, number>();
  readonly #revoked = new Set<string>();

  issue(nowMs: number, lifetimeSeconds: number): string {
    const token = newToken();
    this.#expiries.set(token, nowMs + lifetimeSeconds * 1000);
    return token;
  }

  status(token: string, nowMs: number): TokenStatus {
    const expiresMs = this.#expiries.get(token);
    if (expiresMs === undefined) return "unknown";
    if (this.#revoked.has(token)) return "revoked";
    return nowMs < expiresMs ? "valid" : "expired";
  }

  /** Expires every token but remembers them, so callers get 00040 rather than "unknown". */
  expireAll(nowMs: number): number {
    for (const token of this.#expiries.keys()) this.#expiries.set(token, nowMs);
    return this.#expiries.size;
  }

  /** Invalidates every token issued so far before its expiry (a rotation at D&B's side). */
  revokeAll(): number {
    for (const token of this.#expiries.keys()) this.#revoked.add(token);
    return this.#expiries.size;
  }
}
