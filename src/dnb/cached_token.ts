/** The access token as the provider keeps it: in memory, and (sealed or not) in KV. */
export interface CachedToken {
  accessToken: string;
  /** ms since epoch. */
  expiresAt: number;
  obtainedAt: number;
}
