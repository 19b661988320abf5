import type { RemoteStat, SftpSession } from "./session.ts";

/** One SFTP request got no answer in time; its connection has been ended. */
export class SftpTimeoutError extends Error {
  readonly code = "SFTP_TIMEOUT";
  readonly path: string;

  constructor(operation: string, path: string, timeoutMs: number) {
    super(`${operation} ${path} got no answer within ${timeoutMs / 1000} s`);
    this.name = "SftpTimeoutError";
    this.path = path;
  }
}

/**
 * `session` with a deadline on every request. A request that misses it ends the connection:
 * its answer may still arrive, and a connection in that state cannot be trusted with the next
 * upload.
 */
export function timedSession(session: SftpSession, timeoutMs: number): SftpSession {
  function timed<T>(operation: string, path: string, run: () => Promise<T>): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const timer = setTimeout(() => {
      reject(new SftpTimeoutError(operation, path, timeoutMs));
      session.close().catch(() => {});
    }, timeoutMs);
    run().then(resolve, reject).finally(() => clearTimeout(timer));
    return promise;
  }

  return {
    get closed() {
      return session.closed;
    },
    mkdir: (path, options) => timed("mkdir", path, () => session.mkdir(path, options)),
    stat: (path): Promise<RemoteStat> => timed("stat", path, () => session.stat(path)),
    writeNewFile: (path, bytes, options) =>
      timed("write", path, () => session.writeNewFile(path, bytes, options)),
    posixRename: (from, to) => timed("rename", to, () => session.posixRename(from, to)),
    rename: (from, to) => timed("rename", to, () => session.rename(from, to)),
    unlink: (path) => timed("remove", path, () => session.unlink(path)),
    close: () => session.close(),
  };
}
