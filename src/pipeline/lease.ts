export interface LeaseValue {
  owner: string;
  /** ms since epoch. */
  expiresAt: number;
}

/**
 * A lease per registration in Deno KV, so that instances sharing one KV never pull the same
 * registration at once. Taking, renewing and giving back are atomic checks on the entry's
 * versionstamp. The held entry is also the guard of the journal commit: a holder that lost its
 * lease (paused too long) cannot journal over the new holder.
 */
export class Leases {
  readonly #kv: Deno.Kv;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(kv: Deno.Kv, options: { owner: string; ttlMs: number; now?: () => number }) {
    this.#kv = kv;
    this.#owner = options.owner;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get owner(): string {
    return this.#owner;
  }

  /** Takes or renews the lease; returns the held entry, or null when another owner holds it. */
  async acquire(registration: string): Promise<Deno.KvEntry<LeaseValue> | null> {
    const key = leaseKey(registration);
    const current = await this.#kv.get<LeaseValue>(key);
    const held = current.value;
    if (held && held.owner !== this.#owner && held.expiresAt > this.#now()) return null;
    const value: LeaseValue = { owner: this.#owner, expiresAt: this.#now() + this.#ttlMs };
    const result = await this.#kv.atomic().check(current).set(key, value).commit();
    if (!result.ok) return null;
    return { key, value, versionstamp: result.versionstamp };
  }

  /** Gives the lease back if this owner still holds it. */
  async release(entry: Deno.KvEntry<LeaseValue>): Promise<void> {
    await this.#kv.atomic().check(entry).delete(entry.key).commit();
  }
}

function leaseKey(registration: string): Deno.KvKey {
  return ["lease", registration];
}
