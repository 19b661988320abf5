/**
 * One SQLite connection and its statement cache, driven by the requests of
 * `sqlite_worker_protocol.ts`. The worker thread runs it (sqlite_worker.ts); where no worker can
 * start (a bundle or binary without the worker's file, a runtime without `Worker`), the main
 * thread runs the same code (sqlite_worker_driver.ts).
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { openSqliteConnection } from "./sqlite_connection.ts";
import type { WorkerError, WorkerRequest } from "./sqlite_worker_protocol.ts";

const STATEMENT_CACHE_SIZE = 64;

/** A request without the id that matches its reply. */
export type SessionRequest = WorkerRequest extends infer R
  ? R extends { id: number } ? Omit<R, "id"> : never
  : never;

export class SqliteSession {
  #connection: DatabaseSync | null = null;
  readonly #statements = new Map<string, { statement: StatementSync; reader: boolean }>();

  /** Runs one request; throws what SQLite threw. */
  handle(request: SessionRequest): unknown {
    switch (request.op) {
      case "open":
        this.#connection = openSqliteConnection(request.path, {
          busyTimeoutMs: request.busyTimeoutMs,
        });
        return null;
      case "query": {
        const { statement, reader } = this.#prepare(request.sql);
        const parameters = request.parameters as SQLInputValue[];
        if (reader) return { rows: statement.all(...parameters) };
        const { changes, lastInsertRowid } = statement.run(...parameters);
        return { rows: [], changes, lastInsertRowid };
      }
      case "close":
        this.#statements.clear();
        if (this.#connection?.isOpen) this.#connection.close();
        this.#connection = null;
        return null;
    }
  }

  #prepare(sql: string): { statement: StatementSync; reader: boolean } {
    if (this.#connection === null) throw new Error("the SQLite connection is not open");
    const cached = this.#statements.get(sql);
    if (cached) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#connection.prepare(sql);
    const prepared = { statement, reader: statement.columns().length > 0 };
    this.#statements.set(sql, prepared);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      this.#statements.delete(this.#statements.keys().next().value as string);
    }
    return prepared;
  }
}

/** What crosses back to the caller of a failed request: SQLite's codes kept for classifying. */
export function workerError(error: unknown): WorkerError {
  const e = error as Error & { code?: unknown; errcode?: unknown; errstr?: unknown };
  return {
    name: e?.name ?? "Error",
    message: e?.message ?? String(error),
    code: typeof e?.code === "string" ? e.code : undefined,
    errcode: typeof e?.errcode === "number" ? e.errcode : undefined,
    errstr: typeof e?.errstr === "string" ? e.errstr : undefined,
  };
}
