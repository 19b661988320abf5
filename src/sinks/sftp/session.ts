/**
 * The few SFTP calls the sink makes, as a tiny interface: `ssh2_connector.ts` implements it over
 * npm:ssh2, tests implement it in memory. Nothing here knows ssh2.
 */

/** What the sink needs to know about a remote path. */
export interface RemoteStat {
  isDirectory: boolean;
}

/**
 * The server's answer to one request, when it was an error. The connection itself is fine after
 * such an answer; everything else a session throws means the connection is not.
 */
export type SftpStatus = "no_such_file" | "permission_denied" | "failure" | "unsupported";

/** The server refused one request with an SFTP status; the connection stays usable. */
export class SftpStatusError extends Error {
  readonly code = "SFTP_STATUS";
  readonly status: SftpStatus;
  /** The remote path the request was about. */
  readonly path: string;

  constructor(status: SftpStatus, path: string, message: string) {
    super(`${message} (${path})`);
    this.name = "SftpStatusError";
    this.status = status;
    this.path = path;
  }
}

/** Why a connection could not be opened; the sink turns it into a typed error with context. */
export type ConnectFailureKind =
  | "host_key_refused"
  | "auth_failed"
  | "private_key_invalid"
  | "timeout"
  | "unreachable";

/** Opening a connection failed before any file operation. */
export class SftpConnectFailure extends Error {
  readonly code = "SFTP_CONNECT_FAILURE";
  readonly kind: ConnectFailureKind;

  constructor(kind: ConnectFailureKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SftpConnectFailure";
    this.kind = kind;
  }
}

export interface SftpConnectOptions {
  host: string;
  port: number;
  username: string;
  privateKey?: Uint8Array;
  passphrase?: string;
  password?: string;
  /** Called with the public key blob the server presented; false refuses the connection. */
  verifyHostKey(keyBlob: Uint8Array): boolean;
  /** Host key algorithms to offer, preferred first; absent for the library's defaults. */
  hostKeyAlgorithms?: string[];
  /** Milliseconds the TCP connect, SSH handshake, login and SFTP start may take together. */
  timeoutMs: number;
  /** Milliseconds between SSH keepalives; 0 sends none. */
  keepaliveIntervalMs: number;
}

/** One logged-in SFTP channel on its own SSH connection. */
export interface SftpSession {
  /** Creates a folder with exactly `mode` (the server's umask does not apply). */
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  stat(path: string): Promise<RemoteStat>;
  /**
   * Creates `path`, which must not exist yet, with exactly `mode`, writes all of `bytes`, makes
   * them durable where the server can (`fsync@openssh.com`), and closes it.
   */
  writeNewFile(path: string, bytes: Uint8Array, options?: { mode?: number }): Promise<void>;
  /**
   * Replaces `to` with `from` atomically (`posix-rename@openssh.com`). Resolves false, having
   * done nothing, when the server lacks the extension.
   */
  posixRename(from: string, to: string): Promise<boolean>;
  /** Plain SFTP v3 rename: fails when `to` exists. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** True once the connection is gone: no later request can succeed. */
  readonly closed: boolean;
  /** Ends the connection and resolves when it is fully closed. */
  close(): Promise<void>;
}

export interface SftpConnector {
  connect(options: SftpConnectOptions): Promise<SftpSession>;
}
