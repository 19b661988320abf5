/** Issued bearer tokens and their expiry on the simulated clock. */

export type TokenStatus = "valid" | "expired" | "unknown";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Opaque, 28 characters, like the real ones (not a JWT). */
function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(28));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

export class TokenStore {
  readonly #expiries = new Map<string, number>();

  issue(nowMs: number, lifetimeSeconds: number): string {
    const token = newToken();
    this.#expiries.set(token, nowMs + lifetimeSeconds * 1000);
    return token;
  }

  status(token: string, nowMs: number): TokenStatus {
    const expiresMs = this.#expiries.get(token);
    if (expiresMs === undefined) return "unknown";
    return nowMs < expiresMs ? "valid" : "expired";
  }

  /** Expires every token but remembers them, so callers get 00040 rather than "unknown". */
  expireAll(nowMs: number): number {
    for (const token of this.#expiries.keys()) this.#expiries.set(token, nowMs);
    return this.#expiries.size;
  }
}
