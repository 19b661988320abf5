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
import { TransactionalDdlSqliteAdapter } from "./sqlite_adapter.ts";
import type { QueryReply, WorkerReply, WorkerRequest } from "./sqlite_worker_protocol.ts";

type Request = WorkerRequest extends infer R ? R extends { id: number } ? Omit<R, "id"> : never
  : never;

/** The SQLite worker thread died or did not answer (it lacks a permission, a module failed). */
export class SqliteWorkerError extends Error {
  override name = "SqliteWorkerError";
}

/** How long the worker may take to load its modules and open the file. */
const OPEN_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

/** The main thread's end of the SQLite worker: requests out, replies matched by id. */
class SqliteWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;
  #closing: Promise<void> | null = null;
  /** Set once the thread died (a module that failed to load, a permission it lacks). */
  #failed: Error | null = null;

  constructor() {
    this.#worker = new Worker(new URL("./sqlite_worker.ts", import.meta.url).href, {
      type: "module",
    });
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

  request(request: Request, options: { timeoutMs?: number } = {}): Promise<unknown> {
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

class WorkerConnection implements DatabaseConnection {
  readonly #worker: SqliteWorker;

  constructor(worker: SqliteWorker) {
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
  readonly #worker: SqliteWorker;
  readonly #connection: WorkerConnection;

  constructor(worker: SqliteWorker) {
    this.#worker = worker;
    this.#connection = new WorkerConnection(worker);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(this.#connection);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
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
  readonly #worker: SqliteWorker;

  constructor(worker: SqliteWorker) {
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

/**
 * Opens `path` in a new worker thread and returns its Kysely dialect and a close function.
 * Opening errors (unreadable file, not a database) are thrown here, the worker already stopped.
 */
export async function openWorkerSqlite(
  path: string,
  options: { busyTimeoutMs: number },
): Promise<{ dialect: Dialect; close(): Promise<void> }> {
  const worker = new SqliteWorker();
  try {
    await worker.request({ op: "open", path, busyTimeoutMs: options.busyTimeoutMs }, {
      timeoutMs: OPEN_TIMEOUT_MS,
    });
  } catch (error) {
    await worker.close().catch(() => {});
    throw error;
  }
  return { dialect: new WorkerSqliteDialect(worker), close: () => worker.close() };
}
