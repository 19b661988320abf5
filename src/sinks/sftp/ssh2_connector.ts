import { Buffer } from "node:buffer";
import { connect as tcpConnect, type Socket } from "node:net";
import { Client, type SFTPWrapper } from "ssh2";
import {
  SftpConnectFailure,
  type SftpConnectOptions,
  type SftpConnector,
  type SftpSession,
  type SftpStatus,
  SftpStatusError,
} from "./session.ts";

// The one file that imports ssh2 (design: each npm package lives in one adapter file).

/** SFTP over npm:ssh2, on a TCP socket this file opens itself (see `connect`). */
export const ssh2Connector: SftpConnector = { connect };

// SFTP v3 status codes (draft-ietf-secsh-filexfer-02, 7). NO_CONNECTION (6) and
// CONNECTION_LOST (7) are about the transport and stay plain errors.
const STATUS_BY_CODE: Readonly<Record<number, SftpStatus>> = {
  2: "no_such_file",
  3: "permission_denied",
  4: "failure",
  5: "failure",
  8: "unsupported",
};

/**
 * ssh2 would open the socket itself with Nagle's algorithm on; under Deno every SFTP round trip
 * then waits ~40 ms for a delayed ACK. So the socket is opened here with TCP_NODELAY and handed
 * over as `sock`.
 */
function connect(options: SftpConnectOptions): Promise<SftpSession> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    const client = new Client();
    let hostKeyRefused = false;
    let settled = false;
    const timer = setTimeout(() => {
      fail(
        new SftpConnectFailure(
          "timeout",
          `no SFTP session within ${options.timeoutMs} ms (connect, handshake and login)`,
        ),
      );
    }, options.timeoutMs);

    function fail(error: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      socket.destroy();
      // Rejecting only once the socket is closed leaves no open resource behind the error.
      if (socket.closed) reject(error);
      else socket.once("close", () => reject(error));
    }

    client.on("error", (error: Error & { level?: string }) => {
      fail(connectFailure(error, hostKeyRefused));
    });
    client.on("close", () => {
      fail(new SftpConnectFailure("unreachable", "the server closed the connection during login"));
    });
    client.on("ready", () => {
      client.sftp((error, sftp) => {
        if (error) return fail(new SftpConnectFailure("unreachable", error.message));
        if (settled) return sftp.end();
        settled = true;
        clearTimeout(timer);
        client.removeAllListeners("error");
        client.removeAllListeners("close");
        resolve(new Ssh2Session(client, socket, sftp));
      });
    });

    try {
      client.connect({
        sock: socket,
        username: options.username,
        privateKey: options.privateKey ? Buffer.from(options.privateKey) : undefined,
        passphrase: options.passphrase,
        password: options.password,
        hostVerifier: (key: Buffer) => {
          const accepted = options.verifyHostKey(new Uint8Array(key));
          hostKeyRefused = !accepted;
          return accepted;
        },
        algorithms: options.hostKeyAlgorithms
          ? { serverHostKey: options.hostKeyAlgorithms as never }
          : undefined,
        readyTimeout: options.timeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: 3,
      });
    } catch (error) {
      // Thrown synchronously for a key ssh2 cannot parse or decrypt (wrong or missing passphrase).
      fail(
        new SftpConnectFailure("private_key_invalid", messageOf(error), { cause: error }),
      );
    }
  });
}

function connectFailure(error: Error & { level?: string }, hostKeyRefused: boolean): Error {
  if (hostKeyRefused) {
    return new SftpConnectFailure("host_key_refused", error.message, { cause: error });
  }
  switch (error.level) {
    case "client-authentication":
      return new SftpConnectFailure("auth_failed", error.message, { cause: error });
    case "client-timeout":
      return new SftpConnectFailure("timeout", error.message, { cause: error });
    default:
      return new SftpConnectFailure("unreachable", error.message, { cause: error });
  }
}

class Ssh2Session implements SftpSession {
  #client: Client;
  #socket: Socket;
  #sftp: SFTPWrapper;
  #closed = false;
  #gone: Promise<void>;

  constructor(client: Client, socket: Socket, sftp: SFTPWrapper) {
    this.#client = client;
    this.#socket = socket;
    this.#sftp = sftp;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#gone = promise;
    const lost = () => {
      this.#closed = true;
    };
    // Errors after login (keepalive timeout, reset) end in "close"; listening keeps them from
    // becoming uncaught exceptions.
    client.on("error", lost);
    client.on("end", lost);
    sftp.on("error", lost);
    sftp.on("close", lost);
    socket.on("close", () => {
      lost();
      resolve();
    });
  }

  get closed(): boolean {
    return this.#closed || this.#socket.destroyed;
  }

  async mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    const { mode } = options;
    if (mode === undefined) return await this.#call(path, (done) => this.#sftp.mkdir(path, done));
    await this.#call(path, (done) => this.#sftp.mkdir(path, { mode }, done));
    // The server narrows the mode by its umask (OpenSSH: 022); set exactly what was asked.
    await this.#call(path, (done) => this.#sftp.chmod(path, mode, done));
  }

  stat(path: string): Promise<{ isDirectory: boolean }> {
    return this.#call(path, (done) =>
      this.#sftp.stat(path, (error, stats) => {
        done(error, error ? undefined : { isDirectory: stats.isDirectory() });
      }));
  }

  async writeNewFile(
    path: string,
    bytes: Uint8Array,
    options: { mode?: number } = {},
  ): Promise<void> {
    const { mode } = options;
    const handle = await this.#call<Buffer>(
      path,
      (done) =>
        mode === undefined
          ? this.#sftp.open(path, "wx", done)
          : this.#sftp.open(path, "wx", { mode }, done),
    );
    try {
      // As for folders: the server's umask must not widen or narrow the configured mode.
      if (mode !== undefined) {
        await this.#call(path, (done) => this.#sftp.fchmod(handle, mode, done));
      }
      if (bytes.length > 0) {
        const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        // ssh2 splits a write larger than the server's packet limit into several requests.
        await this.#call(path, (done) => this.#sftp.write(handle, data, 0, data.length, 0, done));
      }
      await this.#call(path, (done) => {
        try {
          this.#sftp.ext_openssh_fsync(handle, (error) => done(error));
        } catch {
          // The server lacks fsync@openssh.com: durability is then up to its own defaults.
          done(undefined);
        }
      });
    } catch (error) {
      await this.#call(path, (done) => this.#sftp.close(handle, done)).catch(() => {});
      throw error;
    }
    await this.#call(path, (done) => this.#sftp.close(handle, done));
  }

  posixRename(from: string, to: string): Promise<boolean> {
    return this.#call(to, (done) => {
      try {
        this.#sftp.ext_openssh_rename(from, to, (error) => done(error, true));
      } catch {
        // ssh2 throws before sending anything when the server did not offer the extension.
        done(undefined, false);
      }
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.#call(to, (done) => this.#sftp.rename(from, to, done));
  }

  unlink(path: string): Promise<void> {
    return this.#call(path, (done) => this.#sftp.unlink(path, done));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#client.end();
    // A server that does not answer the close within a second is cut off.
    const cutoff = setTimeout(() => this.#socket.destroy(), 1_000);
    await this.#gone;
    clearTimeout(cutoff);
  }

  #call<T = void>(
    path: string,
    start: (done: (error: Error | undefined | null, value?: T) => void) => void,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the SSH connection is closed"));
    return new Promise<T>((resolve, reject) => {
      start((error, value) => {
        if (error) reject(statusError(error, path));
        else resolve(value as T);
      });
    });
  }
}

function statusError(error: Error & { code?: unknown }, path: string): Error {
  const status = typeof error.code === "number" ? STATUS_BY_CODE[error.code] : undefined;
  return status ? new SftpStatusError(status, path, error.message) : error;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
