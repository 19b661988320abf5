import type { Dialect } from "kysely";

export type DialectName = "sqlite" | "postgres";

/**
 * What a database error means for the data being written: `rejected` when the database refuses
 * these values as such (too large, a constraint), so retrying the same rows can never succeed;
 * `unavailable` for everything else, which may pass on a later try.
 */
export type DatabaseErrorKind = "rejected" | "unavailable";

/** Settings every dialect receives; each uses those that apply to it. */
export interface DialectOpenOptions {
  /** Connections a pooled dialect may hold. */
  poolSize: number;
  /** Milliseconds to wait for a lock held by another connection or process. */
  busyTimeoutMs: number;
}

/** A dialect ready for `new Kysely(...)`, with what only the dialect knows about its errors. */
export interface OpenedDialect {
  dialect: Dialect;
  classifyError(error: unknown): DatabaseErrorKind;
  /**
   * Releases what `Kysely.destroy()` may leave open (a connection made before the first query).
   * Called after `destroy()`; must be safe to call when there is nothing left to release.
   */
  release(): Promise<void>;
}

/**
 * One database family the build can open. `openDatabase` picks the definition whose `schemes`
 * hold the URL's scheme, so a new family is one file exporting one of these plus one registry
 * entry.
 */
export interface DialectDefinition {
  name: DialectName;
  /** URL schemes with their colon: `sqlite:`, `postgres:`, `postgresql:`. */
  schemes: readonly string[];
  /** `url` is revealed: the definition must not put it, or its password, in any message. */
  open(url: string, options: DialectOpenOptions): Promise<OpenedDialect>;
}
