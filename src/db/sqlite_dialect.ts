import { mkdir } from "node:fs/promises";
import { dirname, isAbsolute } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import {
  type DialectAdapter,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from "kysely";
import type { DatabaseErrorKind, DialectDefinition } from "./dialect.ts";
import { DatabaseConfigError, DatabaseUnavailableError } from "./errors.ts";

const MEMORY = ":memory:";
/** Kysely prepares every query anew; the sink repeats the same few INSERT shapes. */
const STATEMENT_CACHE_SIZE = 64;
/** SQLite result codes (low byte of the extended code) that refuse the data, not the call. */
const REJECTING_RESULT_CODES = new Set([
  18, // SQLITE_TOOBIG: a value over the length limit
  19, // SQLITE_CONSTRAINT: NOT NULL, CHECK, FOREIGN KEY
  20, // SQLITE_MISMATCH: a value of the wrong type for the column
]);

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

/**
 * Kysely's `SqliteDatabase` over a `node:sqlite` connection. The two differ in two ways: a
 * `node:sqlite` statement has no `reader` flag (it returns rows when it has result columns,
 * RETURNING included), and takes its parameters spread rather than as one array. Closing is
 * idempotent because both Kysely and the owner of the connection may close it.
 */
export function sqliteDatabaseAdapter(connection: DatabaseSync): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        // Re-inserting moves the entry to the end, so eviction drops the least recently used.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = adaptStatement(connection.prepare(sql));
      statements.set(sql, statement);
      if (statements.size > STATEMENT_CACHE_SIZE) {
        statements.delete(statements.keys().next().value as string);
      }
      return statement;
    },
    close(): void {
      statements.clear();
      if (connection.isOpen) connection.close();
    },
  };
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  const reader = statement.columns().length > 0;
  const spread = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
  return {
    reader,
    all: (parameters) => statement.all(...spread(parameters)),
    run: (parameters) => statement.run(...spread(parameters)),
    iterate: (parameters) => statement.iterate(...spread(parameters)),
  };
}

/**
 * SQLite's DDL is transactional, but Kysely's adapter says it is not, which would make the
 * migrator run each migration bare and leave half its tables behind when it fails.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class NodeSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Kysely's SQLite dialect over `connection`; `Kysely.destroy()` closes the connection. */
export function createSqliteDialect(connection: DatabaseSync): SqliteDialect {
  return new NodeSqliteDialect({ database: sqliteDatabaseAdapter(connection) });
}

/** `rejected` for errors that refuse the values written; everything else is an outage. */
export function classifySqliteError(error: unknown): DatabaseErrorKind {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === "number" && REJECTING_RESULT_CODES.has(code & 0xff)
    ? "rejected"
    : "unavailable";
}

/**
 * The file a `sqlite:` URL names: `sqlite:/abs/file.db`, `sqlite:///abs/file.db` or
 * `sqlite::memory:`. Relative paths are refused: config resolution makes them absolute, and a
 * path that depends on the working directory would put the data somewhere unexpected.
 */
export function sqliteUrlPath(url: string): string {
  const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  if (path === MEMORY) return MEMORY;
  if (path === "" || !isAbsolute(path)) {
    throw new DatabaseConfigError(
      `database.url: ${JSON.stringify(url)} is not an absolute SQLite path ` +
        "(write sqlite:/absolute/path/file.db, or load the config file so relative paths resolve)",
    );
  }
  return path;
}

/** The `sqlite:` entry of the dialect registry. */
export const sqliteDialect: DialectDefinition = {
  name: "sqlite",
  schemes: ["sqlite:"],
  async open(url, options) {
    const path = sqliteUrlPath(url);
    if (path !== MEMORY) {
      try {
        await mkdir(dirname(path), { recursive: true });
      } catch (error) {
        throw new DatabaseUnavailableError(
          `cannot create the folder ${dirname(path)} for the SQLite database: ` +
            `${messageOf(error)} (check the path in database.url and the folder's permissions)`,
          { cause: error },
        );
      }
    }
    const adapter = sqliteDatabaseAdapter(
      openSqliteConnection(path, { busyTimeoutMs: options.busyTimeoutMs }),
    );
    return {
      dialect: new NodeSqliteDialect({ database: adapter }),
      classifyError: classifySqliteError,
      release: () => Promise.resolve(adapter.close()),
    };
  },
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
