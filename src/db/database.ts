import { Kysely } from "kysely";
import type { DatabaseConfig } from "../config/config.ts";
import {
  databaseUrlScheme,
  databaseUrlSecrets,
  redactDatabaseUrl,
} from "../config/database_url.ts";
import { maskSecrets } from "../model/secret.ts";
import type { DatabaseErrorKind, DialectDefinition, DialectName } from "./dialect.ts";
import { DatabaseConfigError } from "./errors.ts";
import { postgresDialect } from "./postgres_dialect.ts";
import { sqliteDialect } from "./sqlite_dialect.ts";
import type { Tables } from "./tables.ts";

/** The dialects this build holds, looked up by URL scheme. A new family is one entry here. */
const DIALECTS: readonly DialectDefinition[] = [sqliteDialect, postgresDialect];

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** An open database. Whoever opened it closes it; sinks and migrations only borrow it. */
export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: DialectName;
  /** The URL with its password masked: safe for messages, logs and `/status`. */
  readonly location: string;
  /** Whether an error from a query refused the data written or is an outage. */
  classifyError(error: unknown): DatabaseErrorKind;
  /** `text` with the URL's password masked, for quoting driver messages. */
  redact(text: string): string;
  /** Idempotent: later calls wait for the first. */
  close(): Promise<void>;
}

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  /**
   * Milliseconds to wait for a lock another connection or process holds (SQLite's busy timeout,
   * PostgreSQL's `lock_timeout`); default 5000.
   */
  busyTimeoutMs?: number;
}

/**
 * Opens the database `config.url` names, choosing the dialect by scheme. The schema is not
 * touched: run `migrateToLatest` (when `migrate_on_start` says so) before writing.
 * `config.enabled` is the caller's decision and is not consulted.
 *
 * @throws DatabaseConfigError for a URL this build cannot open (the message never holds the
 *   password)
 * @throws DatabaseUnavailableError when the database cannot be opened
 */
export async function openDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const url = config.url.reveal();
  const location = redactDatabaseUrl(url);
  const scheme = databaseUrlScheme(url);
  const definition = DIALECTS.find((entry) => scheme !== null && entry.schemes.includes(scheme));
  if (definition === undefined) throw unsupportedUrl(scheme);

  const opened = await definition.open(url, {
    poolSize: config.pool_size,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  });
  const db = new Kysely<Tables>({ dialect: opened.dialect });
  const secrets = databaseUrlSecrets(url);
  let closing: Promise<void> | null = null;
  return {
    db,
    dialect: definition.name,
    location,
    classifyError: (error) => opened.classifyError(error),
    redact: (text) => maskSecrets(text, secrets),
    close() {
      closing ??= (async () => {
        try {
          await db.destroy();
        } finally {
          await opened.release();
        }
      })();
      return closing;
    },
  };
}

function unsupportedUrl(scheme: string | null): DatabaseConfigError {
  // Only the scheme is quoted: an unparsable URL may hold a password anywhere.
  return new DatabaseConfigError(
    `database.url: ${
      scheme === null ? "has no scheme" : `the scheme ${JSON.stringify(scheme)} is not supported`
    } (expected sqlite:<path>, postgres://… or postgresql://…)`,
  );
}
