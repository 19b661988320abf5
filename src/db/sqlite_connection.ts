import { DatabaseSync } from "node:sqlite";
import { DatabaseUnavailableError } from "./errors.ts";

/** Options of `openSqliteConnection`. */
export interface SqliteConnectionOptions {
  /** Milliseconds to wait for another process's lock before failing; default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens `path` (or `:memory:`) with Deno's built-in `node:sqlite`, which needs no native addon
 * and so survives `deno compile`. Durability is the product, hence WAL with `synchronous=FULL`:
 * a committed batch survives power loss, not just a process crash.
 */
export function openSqliteConnection(
  path: string,
  options: SqliteConnectionOptions = {},
): DatabaseSync {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(`busyTimeoutMs must be a whole number ≥ 0, got ${busyTimeoutMs}`);
  }
  let connection: DatabaseSync;
  try {
    connection = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  } catch (error) {
    throw new DatabaseUnavailableError(
      `cannot open the SQLite database ${path}: ${messageOf(error)} ` +
        "(check that the folder exists and is writable by this process)",
      { cause: error },
    );
  }
  try {
    // The busy timeout first, so that switching to WAL also waits for other processes' locks.
    connection.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    connection.exec("PRAGMA journal_mode = WAL");
    connection.exec("PRAGMA synchronous = FULL");
    connection.exec("PRAGMA foreign_keys = ON");
  } catch (error) {
    connection.close();
    throw new DatabaseUnavailableError(
      `cannot configure the SQLite database ${path}: ${messageOf(error)} ` +
        "(check that the file is a SQLite database and not locked by another program)",
      { cause: error },
    );
  }
  return connection;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
