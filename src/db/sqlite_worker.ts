/// <reference lib="deno.worker" />
/**
 * The SQLite connection's own thread. `node:sqlite` is synchronous: on the main thread every
 * INSERT and COMMIT (an fsync with `synchronous=FULL`) would stall pulling and the other sinks.
 * Here it stalls only this worker. Messages are handled one at a time, in order.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { openSqliteConnection } from "./sqlite_connection.ts";
import type { WorkerReply, WorkerRequest } from "./sqlite_worker_protocol.ts";

const STATEMENT_CACHE_SIZE = 64;
let connection: DatabaseSync | null = null;
const statements = new Map<string, { statement: StatementSync; reader: boolean }>();

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  let reply: WorkerReply;
  try {
    reply = { id: request.id, ok: true, result: handle(request) };
  } catch (error) {
    const e = error as Error & { code?: unknown; errcode?: unknown; errstr?: unknown };
    reply = {
      id: request.id,
      ok: false,
      error: {
        name: e?.name ?? "Error",
        message: e?.message ?? String(error),
        code: typeof e?.code === "string" ? e.code : undefined,
        errcode: typeof e?.errcode === "number" ? e.errcode : undefined,
        errstr: typeof e?.errstr === "string" ? e.errstr : undefined,
      },
    };
  }
  self.postMessage(reply);
};

function handle(request: WorkerRequest): unknown {
  switch (request.op) {
    case "open":
      connection = openSqliteConnection(request.path, { busyTimeoutMs: request.busyTimeoutMs });
      return null;
    case "query": {
      const { statement, reader } = prepare(request.sql);
      const parameters = request.parameters as SQLInputValue[];
      if (reader) return { rows: statement.all(...parameters) };
      const { changes, lastInsertRowid } = statement.run(...parameters);
      return { rows: [], changes, lastInsertRowid };
    }
    case "close":
      statements.clear();
      if (connection?.isOpen) connection.close();
      connection = null;
      return null;
  }
}

function prepare(sql: string): { statement: StatementSync; reader: boolean } {
  if (connection === null) throw new Error("the SQLite connection is not open");
  const cached = statements.get(sql);
  if (cached) {
    statements.delete(sql);
    statements.set(sql, cached);
    return cached;
  }
  const statement = connection.prepare(sql);
  const prepared = { statement, reader: statement.columns().length > 0 };
  statements.set(sql, prepared);
  if (statements.size > STATEMENT_CACHE_SIZE) {
    statements.delete(statements.keys().next().value as string);
  }
  return prepared;
}
