// @ts-types="@types/pg"
import pg from "pg";
import { PostgresDialect } from "kysely";
import type { DatabaseErrorKind, DialectDefinition, DialectOpenOptions } from "./dialect.ts";
import { DatabaseConfigError } from "./errors.ts";

/**
 * How long a connection attempt (TCP, TLS, authentication) or a wait for a free pooled
 * connection may take. Without it a blackholed host hangs a delivery until the OS gives up,
 * minutes later.
 */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Idle connections are closed after this long: deliveries come in bursts once per tick, and a
 * connection kept open between distant ticks is one more thing for a firewall or a server
 * restart to break silently.
 */
const IDLE_TIMEOUT_MS = 60_000;
/** TCP keepalive probes start after this much silence, so a dead peer is noticed. */
const KEEPALIVE_INITIAL_DELAY_MS = 30_000;
/** What `pg_stat_activity` shows, unless the URL sets `application_name` itself. */
const APPLICATION_NAME = "traceone-monitor";

/** `json` and `jsonb`: returned as the text the server sends, never parsed. */
const JSON_TYPE_OIDS: ReadonlySet<number> = new Set([114, 3802]);

/**
 * SQLSTATE classes that refuse the values written (retrying the same rows can never succeed):
 * `22` data exception (a value out of range, `\u0000` in text, invalid JSON), `23` integrity
 * constraint violation (NOT NULL, CHECK), `54` program limit exceeded (a value too large to
 * index or store).
 */
const REJECTING_CLASSES: ReadonlySet<string> = new Set(["22", "23", "54"]);
/**
 * Exceptions inside the rejecting classes. A batch always writes each element row together with
 * its notification row, so a foreign-key violation means the parent vanished under a concurrent
 * delete: the rows are fine and a retry stores them.
 */
const NOT_REJECTING_CODES: ReadonlySet<string> = new Set([
  "23503", // foreign_key_violation
]);
/** A SQLSTATE as the server reports it; Node's socket codes (`EPIPE`) never match. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * `rejected` only for a server error whose SQLSTATE says the values themselves are refused.
 * Everything else is an outage that a later try may pass: connection refused, reset or
 * terminated (`ECONNREFUSED`, `ECONNRESET`, "Connection terminated unexpectedly"), timeouts,
 * `57P01` admin shutdown and the rest of class `57`, class `08` connection exceptions, class
 * `53` insufficient resources (disk full, too many connections), `28` authentication, `40`
 * serialization failure or deadlock, `55P03` lock timeout, and `42P01` (not migrated).
 */
export function classifyPostgresError(error: unknown): DatabaseErrorKind {
  const code = sqlState(error);
  if (code === null || NOT_REJECTING_CODES.has(code)) return "unavailable";
  return REJECTING_CLASSES.has(code.slice(0, 2)) ? "rejected" : "unavailable";
}

/** The entry of the dialect registry for `postgres:` and `postgresql:` URLs. */
export const postgresDialect: DialectDefinition = {
  name: "postgres",
  schemes: ["postgres:", "postgresql:"],
  open(url, options) {
    checkUrl(url);
    const pool = createPool(url, options);
    return Promise.resolve({
      dialect: new PostgresDialect({ pool }),
      classifyError: classifyPostgresError,
      // `Kysely.destroy()` ends the pool only when a query ever ran.
      release: async () => {
        if (!pool.ending && !pool.ended) await pool.end();
      },
    });
  },
};

/**
 * The pool connects lazily: opening never fails for an unreachable server, so the service can
 * start while the database is down and the SQL sink catches up when it returns.
 */
function createPool(url: string, options: DialectOpenOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    // The same bound SQLite gets for a lock another process holds.
    lock_timeout: options.busyTimeoutMs,
    fallback_application_name: APPLICATION_NAME,
    // For this pool only: changing pg's global parsers would change every other pg user in the
    // process. Text keeps previous_json/current_json the strings SQLite returns.
    types: { getTypeParser: jsonAsText as typeof pg.types.getTypeParser },
  });
  // An idle client whose server went away (restart, failover, idle kill) is emitted here after
  // the pool dropped it; without a listener the EventEmitter would throw and end the process.
  // The next query opens a new connection, and reports the outage if there is still one.
  pool.on("error", ignore);
  // A client lent out to Kysely has no pool listener, and pg emits a dying connection's error
  // on the client as well as failing its pending query: it would be thrown the same way. The
  // query's failure is what the caller sees; the pool discards the client on release.
  pool.on("connect", (client) => client.on("error", ignore));
  return pool;
}

function jsonAsText(oid: number, format: "text" | "binary" = "text"): (value: string) => unknown {
  return JSON_TYPE_OIDS.has(oid) ? (value) => value : pg.types.getTypeParser(oid, format);
}

function ignore(): void {}

function sqlState(error: unknown): string | null {
  const candidate = error as { code?: unknown; severity?: unknown } | null;
  if (typeof candidate !== "object" || candidate === null) return null;
  const { code, severity } = candidate;
  // `severity` tells a server error from a Node socket error, which also has a `code`.
  return typeof code === "string" && SQLSTATE.test(code) && typeof severity === "string"
    ? code
    : null;
}

// Only the problem is named, never the URL: it may hold a password anywhere.
function checkUrl(url: string): void {
  try {
    new URL(url);
  } catch {
    throw new DatabaseConfigError(
      "database.url: not a valid PostgreSQL URL (write postgresql://user:password@host:5432/" +
        "database, with special characters in the password percent-encoded)",
    );
  }
}
