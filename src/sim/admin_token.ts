/**
 * The admin API's per-run secret: whoever holds it may seed, enqueue and inject faults, so it is
 * random unless a caller chose it, and it is compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** Thrown for an admin token that cannot be sent in an `Authorization: Bearer` header. */
export class AdminTokenError extends Error {
  override name = "AdminTokenError";
  readonly code = "SIM_ADMIN_TOKEN_INVALID";
}

/** 32 random bytes as 64 hex digits. */
export function newAdminToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Returns `token` when it fits in a bearer header (visible ASCII, no spaces), else throws. */
export function checkedAdminToken(token: string): string {
  if (!/^[\x21-\x7e]{1,1024}$/.test(token)) {
    throw new AdminTokenError(
      "the simulator's admin token must be 1 to 1024 visible ASCII characters without spaces",
    );
  }
  return token;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Equal digests of equal length, so neither the token's bytes nor its length leak by timing. */
export function adminTokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}
