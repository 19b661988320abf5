/**
 * `database.url` names something this build cannot open: an unknown scheme, a relative SQLite
 * path, or a dialect not compiled in. Retrying cannot help; the configuration must change.
 */
export class DatabaseConfigError extends Error {
  readonly code = "DATABASE_CONFIG_INVALID";

  constructor(message: string) {
    super(message);
    this.name = "DatabaseConfigError";
  }
}

/** Options of `DatabaseUnavailableError`. */
export interface DatabaseUnavailableErrorOptions {
  cause?: unknown;
}

/**
 * The database could not be reached, opened or written (down, locked, disk full, not migrated).
 * An outage: the same work may succeed later, so callers retry rather than give up on the data.
 * The message never holds a password.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = "SQL_UNAVAILABLE";
  readonly retryable = true;

  constructor(message: string, options: DatabaseUnavailableErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "DatabaseUnavailableError";
  }
}

/** Options of `DatabaseMigrationError`. */
export interface DatabaseMigrationErrorOptions {
  /** The migration that failed, or null when the failure came before any ran. */
  migration: string | null;
  cause?: unknown;
}

/** Bringing the schema up to date failed; the failed migration was rolled back. */
export class DatabaseMigrationError extends Error {
  readonly code = "SQL_MIGRATION_FAILED";
  readonly migration: string | null;

  constructor(message: string, options: DatabaseMigrationErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "DatabaseMigrationError";
    this.migration = options.migration;
  }
}
