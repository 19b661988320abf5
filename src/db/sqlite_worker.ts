/// <reference lib="deno.worker" />
/**
 * The SQLite connection's own thread. `node:sqlite` is synchronous: on the main thread every
 * INSERT and COMMIT (an fsync with `synchronous=FULL`) would stall pulling and the other sinks.
 * Here it stalls only this worker. Messages are handled one at a time, in order.
 */
import { SqliteSession, workerError } from "./sqlite_session.ts";
import type { WorkerReply, WorkerRequest } from "./sqlite_worker_protocol.ts";

const session = new SqliteSession();

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const { id, ...request } = event.data;
  let reply: WorkerReply;
  try {
    reply = { id, ok: true, result: session.handle(request) };
  } catch (error) {
    reply = { id, ok: false, error: workerError(error) };
  }
  self.postMessage(reply);
};
