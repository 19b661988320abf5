import { dirname, isAbsolute } from "node:path";
import { openSqlite } from "./sqlite_driver.ts";
import type { DatabaseErrorKind, DialectDefinition } from "./dialect.ts";
import { DatabaseConfigError, DatabaseUnavailableError } from "./errors.ts";
import { logger } from "../log.ts";
import { ensurePrivateDir, exists, exposedState, makeDatabasePrivate } from "../private_files.ts";

const log = logger("db", "sqlite");

const MEMORY = ":memory:";
/** SQLite result codes (low byte of the extended code) that refuse the data, not the call. */
const REJECTING_RESULT_CODES = new Set([
  18, // SQLITE_TOOBIG: a value over the length limit
  19, // SQLITE_CONSTRAINT: NOT NULL, CHECK, FOREIGN KEY
  20, // SQLITE_MISMATCH: a value of the wrong type for the column
]);

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
    let created = false;
    if (path !== MEMORY) {
      try {
        await ensurePrivateDir(dirname(path));
        created = !(await exists(path));
      } catch (error) {
        throw new DatabaseUnavailableError(
          `cannot create the folder ${dirname(path)} for the SQLite database: ` +
            `${messageOf(error)} (check the path in database.url and the folder's permissions)`,
          { cause: error },
        );
      }
    }
    // The connection lives in a worker thread when one can start: see sqlite_driver.ts.
    let opened: Awaited<ReturnType<typeof openSqlite>>;
    try {
      opened = await openSqlite(path, { busyTimeoutMs: options.busyTimeoutMs });
    } catch (error) {
      // The worker's error crossed a thread as a plain Error; give it back its type.
      throw new DatabaseUnavailableError(messageOf(error), { cause: error });
    }
    // Every stored notification is in this file: for the owner alone. One made open by hand is
    // left as it is (its owner may mean it) but said at every start, as for the state KV.
    if (created) await makeDatabasePrivate(path);
    for (const file of await exposedState(path, dirname(path))) {
      log.warn(
        "{path} is open to other users (mode {mode}): it holds every stored notification; " +
          "run: {fix}",
        { path: file.path, mode: `0${file.mode.toString(8)}`, fix: file.fix },
      );
    }
    return {
      dialect: opened.dialect,
      classifyError: classifySqliteError,
      release: () => opened.close(),
    };
  },
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
