import type { CachedToken } from "./cached_token.ts";
import { PLAIN_TOKENS, type TokenSeal } from "./token_seal.ts";
import { maskEverywhere, type Secret } from "../model/secret.ts";
import { DnbProtocolError } from "./errors.ts";
import type { DnbTransport } from "./transport.ts";

export type TokenVersion = "v2" | "v3";

export interface TokenProviderOptions {
  transport: DnbTransport;
  kv: Deno.Kv;
  version: TokenVersion;
  clientId: string;
  clientSecret: Secret;
  /** Renew this long before the token expires. */
  refreshBufferMs: number;
  now?: () => number;
  /** How the token is kept in KV; as it is by default (token_seal.ts). */
  seal?: TokenSeal;
}

export type { CachedToken } from "./cached_token.ts";

export interface TokenStatus {
  isAuthenticated: boolean;
  /** Seconds until the current token expires, or null without one. */
  tokenExpiresIn: number | null;
  refreshes: number;
  lastRefreshAt: number | null;
  lastError: string | null;
  /**
   * Set while renewal fails but the cached token is still valid: calls go on with it, and this
   * says until when.
   */
  warning: string | null;
  /** Why the token was last renewed early: the 401 D&B answered to the one before it. */
  lastRejection: string | null;
}

/**
 * The range a token's lifetime is taken in, whatever D&B says (it issues 24 h tokens). Below
 * the floor, a token would be fetched for nearly every call; above the ceiling, a bogus expiry
 * (ten years, `1e300`) would keep a token cached long after D&B retired it, and an infinite one
 * is not a KV expiry at all. A token D&B retires before the kept lifetime is renewed by its 401.
 */
export const TOKEN_LIFETIME_MIN_MS = 60_000;
export const TOKEN_LIFETIME_MAX_MS = 48 * 3600_000;

/** The lifetime a token is kept for, given what D&B said (in seconds). */
export function clampTokenLifetimeMs(expiresInSeconds: number): number {
  return Math.min(
    TOKEN_LIFETIME_MAX_MS,
    Math.max(TOKEN_LIFETIME_MIN_MS, Math.round(expiresInSeconds * 1000)),
  );
}

/**
 * How long before expiry a token is renewed: the configured buffer, but at most a quarter of
 * the token's lifetime, so a lifetime shorter than the buffer still serves three quarters of it
 * instead of never counting as fresh.
 */
export function refreshMarginMs(configuredMs: number, lifetimeMs: number): number {
  return Math.max(0, Math.min(configuredMs, lifetimeMs / 4));
}

/** After a failed renewal, the next try waits this long (calls meanwhile use the old token). */
const RENEWAL_RETRY_MS = 30_000;

/**
 * The OAuth2 client-credentials token of Direct+, cached in Deno KV with its expiry so restarts
 * and other instances reuse it (D&B asks for one token per 24 h). However many callers need a
 * token at once, one request renews it.
 */
export class TokenProvider {
  readonly #options: TokenProviderOptions;
  readonly #now: () => number;
  #key: Promise<Deno.KvKey> | null = null;
  #current: CachedToken | null = null;
  #inFlight: Promise<CachedToken> | null = null;
  #refreshes = 0;
  #lastRefreshAt: number | null = null;
  #lastError: string | null = null;
  #warning: string | null = null;
  #lastRejection: string | null = null;
  #retryRenewalAt = 0;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The KV key of the cached token. It holds a fingerprint of the credentials (never the secret):
   * a changed secret finds no cached token, so a wrong one is refused at once instead of working
   * on the old token until it expires.
   */
  #cacheKey(): Promise<Deno.KvKey> {
    const { transport, version, clientId, clientSecret } = this.#options;
    this.#key ??= credentialsFingerprint(clientId, clientSecret).then((fingerprint) => [
      "dnb",
      "token",
      transport.baseUrl,
      version,
      clientId,
      fingerprint,
    ]);
    return this.#key;
  }

  /**
   * A token valid for at least the refresh buffer, from memory, KV or D&B in that order. When
   * renewal fails while the token in hand is still valid, that token is used (and `status()`
   * says so) rather than failing calls that would succeed.
   */
  async token(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (current && this.#fresh(current)) return current.accessToken;
    if (!this.#inFlight) {
      const stored = await this.#stored();
      if (stored && this.#fresh(stored)) {
        this.#current = stored;
        return stored.accessToken;
      }
      // Another caller may have renewed while this one read KV.
      if (this.#current && this.#fresh(this.#current)) return this.#current.accessToken;
    }
    const usable = this.#current && this.#current.expiresAt > this.#now() ? this.#current : null;
    if (usable && this.#now() < this.#retryRenewalAt) return usable.accessToken;
    try {
      return (await this.#refreshOnce(signal)).accessToken;
    } catch (error) {
      if (!usable || signal?.aborted) throw error;
      this.#retryRenewalAt = this.#now() + RENEWAL_RETRY_MS;
      this.#warning = `token renewal failed; using the cached token until it expires at ${
        new Date(usable.expiresAt).toISOString()
      }`;
      return usable.accessToken;
    }
  }

  /**
   * Called after D&B rejected `rejected` as expired. Renews unless another caller already did,
   * in which case the newer token is returned without a second request.
   */
  async renew(
    rejected: string,
    options: { reason?: string; signal?: AbortSignal } = {},
  ): Promise<string> {
    const { signal } = options;
    if (options.reason) this.#lastRejection = options.reason;
    if (this.#current && this.#current.accessToken !== rejected) return this.#current.accessToken;
    // Another process on the same state may have renewed it already: one new token, not one
    // per process (D&B may retire the old one when it issues the next).
    const stored = await this.#stored();
    if (stored && stored.accessToken !== rejected && this.#fresh(stored)) {
      this.#current = stored;
      return stored.accessToken;
    }
    return (await this.#refreshOnce(signal)).accessToken;
  }

  status(): TokenStatus {
    const current = this.#current;
    const remaining = current ? Math.floor((current.expiresAt - this.#now()) / 1000) : null;
    return {
      isAuthenticated: current !== null && remaining !== null && remaining > 0,
      tokenExpiresIn: remaining,
      refreshes: this.#refreshes,
      lastRefreshAt: this.#lastRefreshAt,
      lastError: this.#lastError,
      warning: this.#warning,
      lastRejection: this.#lastRejection,
    };
  }

  /** The token other processes on this state stored, or null (none, or one this seal cannot open). */
  async #stored(): Promise<CachedToken | null> {
    const entry = await this.#options.kv.get(await this.#cacheKey());
    return entry.value === null ? null : await this.#seal().open(entry.value);
  }

  #seal(): TokenSeal {
    return this.#options.seal ?? PLAIN_TOKENS;
  }

  #fresh(token: CachedToken): boolean {
    // A token cached before lifetimes were clamped may carry any expiry: the cap applies too.
    const expiresAt = Math.min(token.expiresAt, token.obtainedAt + TOKEN_LIFETIME_MAX_MS);
    const margin = refreshMarginMs(this.#options.refreshBufferMs, expiresAt - token.obtainedAt);
    return expiresAt - margin > this.#now();
  }

  #refreshOnce(signal?: AbortSignal): Promise<CachedToken> {
    this.#inFlight ??= this.#fetchToken(signal).finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #fetchToken(signal?: AbortSignal): Promise<CachedToken> {
    const { transport, version, clientId, clientSecret, kv } = this.#options;
    const key = await this.#cacheKey();
    const basic = btoa(`${clientId}:${clientSecret.reveal()}`);
    // A server that echoes the request headers echoes this: it decodes to the secret.
    maskEverywhere(basic);
    const path = `/${version}/token`;
    try {
      const response = await transport.send({
        method: "POST",
        path,
        endpoint: "token",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": version === "v2"
            ? "application/json"
            : "application/x-www-form-urlencoded",
        },
        body: version === "v2"
          ? JSON.stringify({ grant_type: "client_credentials" })
          : new URLSearchParams({ grant_type: "client_credentials" }),
        signal,
      });
      // The lifetime runs from when D&B issued it: at the latest, when the request left.
      const obtainedAt = response.sentAt;
      const { accessToken, expiresIn } = readTokenBody(response.text, { version, path });
      const lifetimeMs = clampTokenLifetimeMs(expiresIn);
      const token: CachedToken = { accessToken, expiresAt: obtainedAt + lifetimeMs, obtainedAt };
      await kv.set(key, await this.#seal().seal(token), { expireIn: lifetimeMs });
      this.#current = token;
      this.#refreshes++;
      this.#lastRefreshAt = obtainedAt;
      this.#lastError = null;
      this.#warning = null;
      this.#retryRenewalAt = 0;
      return token;
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }
}

/** 16 hex characters of SHA-256 over the credentials: tells them apart, reveals nothing. */
async function credentialsFingerprint(clientId: string, secret: Secret): Promise<string> {
  const bytes = new TextEncoder().encode(`traceone-token-cache\0${clientId}\0${secret.reveal()}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

function readTokenBody(
  text: string,
  where: { version: TokenVersion; path: string },
): { accessToken: string; expiresIn: number } {
  const site = { method: "POST", path: where.path, endpoint: "token" };
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DnbProtocolError(site, "token response is not JSON", "");
  }
  // v2 says expiresIn, v3 says expires_in; accept either so a mixed-up setting still works.
  const expiresIn = body.expires_in ?? body.expiresIn;
  if (typeof body.access_token !== "string" || body.access_token === "") {
    throw new DnbProtocolError(site, "token response has no access_token", "");
  }
  if (typeof expiresIn !== "number" || !(expiresIn > 0)) {
    throw new DnbProtocolError(
      site,
      `token response has no positive ${where.version === "v2" ? "expiresIn" : "expires_in"}`,
      "",
    );
  }
  return { accessToken: body.access_token, expiresIn };
}
