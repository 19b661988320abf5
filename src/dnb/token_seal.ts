import type { Secret } from "../model/secret.ts";
import { tokenKeyBytes, tokenKeyProblem } from "../config/token_key.ts";
import type { CachedToken } from "./cached_token.ts";

/**
 * How the access token is kept in KV. Without a key it is stored as it is, and whoever reads the
 * KV file can call D&B as the account until it expires; with `state.token_key` it is sealed with
 * AES-256-GCM (WebCrypto, so it works wherever Deno runs), and the KV file alone is not enough.
 * A value this seal cannot open (sealed under another key, or plain from before a key was set)
 * counts as no token: a new one is fetched and stored sealed.
 */
export interface TokenSeal {
  seal(token: CachedToken): Promise<unknown>;
  open(stored: unknown): Promise<CachedToken | null>;
}

/** The token as it is: for a state nobody else can read. */
export const PLAIN_TOKENS: TokenSeal = {
  seal: (token) => Promise.resolve(token),
  open: (stored) => Promise.resolve(isCachedToken(stored) ? stored : null),
};

interface SealedToken {
  sealed: "aes-256-gcm";
  iv: string;
  data: string;
}

/** A seal under `key` (a text `tokenKeyProblem` accepts). */
export async function sealedTokens(key: Secret): Promise<TokenSeal> {
  const bytes = tokenKeyBytes(key.reveal());
  if (bytes === null) throw new RangeError(`state.token_key: ${tokenKeyProblem(key.reveal())}`);
  const cryptoKey = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  return {
    async seal(token) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const plain = new TextEncoder().encode(JSON.stringify(token));
      const data = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-GCM", iv }, cryptoKey, plain),
      );
      const sealed: SealedToken = { sealed: "aes-256-gcm", iv: base64(iv), data: base64(data) };
      return sealed;
    },
    async open(stored) {
      if (!isSealed(stored)) return null;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: unbase64(stored.iv) },
          cryptoKey,
          unbase64(stored.data),
        );
        const token: unknown = JSON.parse(new TextDecoder().decode(plain));
        return isCachedToken(token) ? token : null;
      } catch {
        // Another key, or a value that was tampered with: GCM refuses it.
        return null;
      }
    },
  };
}

function isCachedToken(value: unknown): value is CachedToken {
  const token = value as CachedToken | null;
  return typeof token?.accessToken === "string" && typeof token.expiresAt === "number" &&
    typeof token.obtainedAt === "number";
}

function isSealed(value: unknown): value is SealedToken {
  const sealed = value as SealedToken | null;
  return sealed?.sealed === "aes-256-gcm" && typeof sealed.iv === "string" &&
    typeof sealed.data === "string";
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function unbase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
