/** Messages between the main thread and the SQLite worker. */
export type WorkerRequest =
  | { id: number; op: "open"; path: string; busyTimeoutMs: number }
  | { id: number; op: "query"; sql: string; parameters: readonly unknown[] }
  | { id: number; op: "close" };

export interface WorkerError {
  name: string;
  message: string;
  code?: string;
  /** SQLite's extended result code, which `classifySqliteError` reads. */
  errcode?: number;
  errstr?: string;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: WorkerError };

export interface QueryReply {
  rows: unknown[];
  changes?: number | bigint;
  lastInsertRowid?: number | bigint;
}
