import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { logger } from "../log.ts";
import { TransactionalDdlSqliteAdapter } from "./sqlite_adapter.ts";
import { type SessionRequest, SqliteSession } from "./sqlite_session.ts";
import type { QueryReply, WorkerReply, WorkerRequest } from "./sqlite_worker_protocol.ts";

const log = logger("db", "sqlite");

/** Where the connection's requests go: a worker thread, or this thread when none can start. */
interface SqliteChannel {
  request(request: SessionRequest, options?: { timeoutMs?: number }): Promise<unknown>;
  close(): Promise<void>;
}

/** The SQLite worker thread died or did not answer (it lacks a permission, a module failed). */
export class SqliteWorkerError extends Error {
  override name = "SqliteWorkerError";
}

/** How long the worker may take to load its modules and open the file. */
const OPEN_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

/** The main thread's end of the SQLite worker: requests out, replies matched by id. */
class SqliteWorker implements SqliteChannel {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;
  #closing: Promise<void> | null = null;
  /** Set once the thread died (a module that failed to load, a permission it lacks). */
  #failed: Error | null = null;

  constructor(module: URL) {
    this.#worker = new Worker(module.href, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(Object.assign(new Error(reply.error.message), reply.error));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      // The thread is gone: fail what waits and everything after, so no caller waits forever.
      this.#failed ??= new SqliteWorkerError(`the SQLite worker failed: ${event.message}`);
      this.#worker.terminate();
      this.#failAll(this.#failed);
    };
  }

  request(request: SessionRequest, options: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing && request.op !== "close") {
      return Promise.reject(new Error("the SQLite database is closed"));
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeoutMs = options.timeoutMs;
      const settle = <T>(done: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        done(value);
      };
      this.#pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (!this.#pending.delete(id)) return;
          reject(
            new SqliteWorkerError(
              `the SQLite worker did not answer within ${timeoutMs / 1000} s`,
            ),
          );
        }, timeoutMs);
      }
      this.#worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /** Closes the connection and stops the thread; later calls wait for the first. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        // A dead or silent thread has nothing to close; do not wait for an answer that never comes.
        if (!this.#failed) await this.request({ op: "close" }, { timeoutMs: CLOSE_TIMEOUT_MS });
      } finally {
        this.#worker.terminate();
        this.#failAll(new Error("the SQLite database is closed"));
      }
    })();
    return this.#closing;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/**
 * The same session on this thread. Each request runs whole before the next (node:sqlite is
 * synchronous), in the order they were made, as in the worker; the cost is that a commit's
 * fsync pauses everything else for its duration.
 */
class InProcessSqlite implements SqliteChannel {
  readonly #session = new SqliteSession();
  #closed = false;

  request(request: SessionRequest): Promise<unknown> {
    if (this.#closed && request.op !== "close") {
      return Promise.reject(new Error("the SQLite database is closed"));
    }
    try {
      return Promise.resolve(this.#session.handle(request));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#session.handle({ op: "close" });
    return Promise.resolve();
  }
}

class WorkerConnection implements DatabaseConnection {
  readonly #worker: SqliteChannel;

  constructor(worker: SqliteChannel) {
    this.#worker = worker;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const reply = await this.#worker.request({
      op: "query",
      sql: compiledQuery.sql,
      parameters: compiledQuery.parameters,
    }) as QueryReply;
    if (reply.changes === undefined) return { rows: reply.rows as R[] };
    return {
      rows: [],
      numAffectedRows: BigInt(reply.changes),
      insertId: reply.lastInsertRowid == null ? undefined : BigInt(reply.lastInsertRowid),
    };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.executeQuery<R>(compiledQuery);
    for (const row of result.rows) yield { rows: [row] };
  }
}

/** Kysely's SQLite semantics (one connection; `begin`/`commit`) with the connection in a worker. */
class WorkerSqliteDriver implements Driver {
  readonly #worker: SqliteChannel;
  readonly #connection: WorkerConnection;

  constructor(worker: SqliteChannel) {
    this.#worker = worker;
    this.#connection = new WorkerConnection(worker);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(this.#connection);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock up front, so a second process writing the same file (a CLI
    // command beside the service) waits on busy_timeout; a deferred transaction that has read
    // gets SQLITE_BUSY at its first write without waiting when the other one committed meanwhile.
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.#worker.close();
  }
}

class WorkerSqliteDialect implements Dialect {
  readonly #worker: SqliteChannel;

  constructor(worker: SqliteChannel) {
    this.#worker = worker;
  }

  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  createDriver(): Driver {
    return new WorkerSqliteDriver(this.#worker);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  // deno-lint-ignore no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** Where the connection runs: `worker` if a worker thread started, else `in_process`. */
export type SqliteThread = "worker" | "in_process";

/** Options of `openSqlite`. */
export interface OpenSqliteOptions {
  busyTimeoutMs: number;
  /**
   * The worker's module; a bundle or a binary that does not carry it, or a runtime without
   * `Worker`, runs the connection in-process instead. `null` asks for in-process outright.
   */
  workerModule?: URL | null;
}

const WORKER_MODULE = new URL("./sqlite_worker.ts", import.meta.url);

/**
 * Why the worker's module cannot be loaded, or null when it can be tried. Asked first, so that
 * a bundle without the file logs one line instead of the runtime's uncaught worker error.
 */
async function missingModule(module: URL): Promise<string | null> {
  if (module.protocol !== "file:") return null;
  try {
    await Deno.stat(module);
    return null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return `its module ${module.pathname} is not there (a bundle or binary without it)`;
    }
    if (error instanceof Deno.errors.NotCapable) {
      return `reading its module ${module.pathname} is not permitted (--allow-read)`;
    }
    return null;
  }
}

/**
 * Opens `path` and returns its Kysely dialect, where it runs and a close function. The
 * connection lives in a worker thread when one can start; when the thread cannot (no `Worker`,
 * its module missing or not readable), it falls back to this thread with one log line.
 * Opening errors of the file itself (unreadable, not a database) are thrown, not fallen back on.
 */
export async function openSqlite(
  path: string,
  options: OpenSqliteOptions,
): Promise<{ dialect: Dialect; thread: SqliteThread; close(): Promise<void> }> {
  const open = { op: "open", path, busyTimeoutMs: options.busyTimeoutMs } as const;
  const module = options.workerModule === undefined ? WORKER_MODULE : options.workerModule;
  let reason = module === null
    ? "asked for"
    : typeof Worker !== "function"
    ? "this runtime has no Worker"
    : await missingModule(module);
  if (module !== null && reason === null) {
    let worker: SqliteWorker | null = null;
    try {
      worker = new SqliteWorker(module);
      await worker.request(open, { timeoutMs: OPEN_TIMEOUT_MS });
      const opened = worker;
      return {
        dialect: new WorkerSqliteDialect(opened),
        thread: "worker",
        close: () => opened.close(),
      };
    } catch (error) {
      await worker?.close().catch(() => {});
      if (!(error instanceof SqliteWorkerError) && worker !== null) throw error;
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  if (module !== null) {
    log.warn(
      "SQLite runs on the main thread: {reason}. Storing works the same; each commit's fsync " +
        "pauses pulling and the other sinks while it lasts",
      { reason },
    );
  }
  const channel = new InProcessSqlite();
  await channel.request(open);
  return {
    dialect: new WorkerSqliteDialect(channel),
    thread: "in_process",
    close: () => channel.close(),
  };
}
