// Every error the SFTP sink throws is an outage to the pipeline (never `SinkRejectedError`): the
// batch stays journaled and is retried. `retryable` says whether waiting can fix it (a server
// coming back) or a person must (a key, a path, a permission).

/** Where the sink delivers, for messages. */
export interface SftpTarget {
  host: string;
  port: number;
  username: string;
}

function where(target: SftpTarget): string {
  return `${target.host}:${target.port}`;
}

/** The server cannot be reached, the connection dropped, or an operation timed out. */
export class SftpUnavailableError extends Error {
  readonly code = "SFTP_UNAVAILABLE";
  readonly retryable = true;
  readonly host: string;
  readonly port: number;

  constructor(target: SftpTarget, reason: string, options?: ErrorOptions) {
    super(
      `sftp_storage: the SFTP server at ${where(target)} is unavailable: ${reason} ` +
        "(the batch is kept and retried; check that the server is up and reachable)",
      options,
    );
    this.name = "SftpUnavailableError";
    this.host = target.host;
    this.port = target.port;
  }
}

/**
 * The server works but refuses what the configuration asks for: permission denied, a path that
 * does not exist after it was created, a file where a folder belongs, an unreadable key file.
 */
export class SftpConfigurationError extends Error {
  readonly code = "SFTP_CONFIGURATION";
  readonly retryable = false;
  /** The remote path, or the local file (key, known_hosts) the problem is about. */
  readonly path: string;

  constructor(path: string, problem: string, advice: string, options?: ErrorOptions) {
    super(`sftp_storage: ${problem}: ${path} — ${advice}`, options);
    this.name = "SftpConfigurationError";
    this.path = path;
  }
}

/** The server's host key is not the pinned or known one: nothing was sent to it. */
export class SftpHostKeyMismatchError extends Error {
  readonly code = "SFTP_HOST_KEY_MISMATCH";
  readonly retryable = false;
  readonly host: string;
  readonly port: number;
  /** What the server presented, `SHA256:…`, so it can be checked with its owner. */
  readonly presentedFingerprint: string;
  readonly keyType: string;

  constructor(
    target: SftpTarget,
    presented: { fingerprint: string; keyType: string; detail: string; reason: string },
  ) {
    const what = presented.reason === "unknown"
      ? "is unknown"
      : presented.reason === "revoked"
      ? "is revoked"
      : "does not match";
    super(
      `sftp_storage: refused ${where(target)}: it presented the ${presented.keyType} host key ` +
        `${presented.fingerprint}, which ${what} (${presented.detail}); nothing was sent. If ` +
        "the server's key really is new, confirm that fingerprint with its owner, then set " +
        "sftp_storage.host_key_fingerprint to it or add the key to sftp_storage.known_hosts_path",
    );
    this.name = "SftpHostKeyMismatchError";
    this.host = target.host;
    this.port = target.port;
    this.presentedFingerprint = presented.fingerprint;
    this.keyType = presented.keyType;
  }
}

/** The server refused the login; names the user and host, never a password or passphrase. */
export class SftpAuthFailedError extends Error {
  readonly code = "SFTP_AUTH_FAILED";
  readonly retryable = false;
  readonly host: string;
  readonly port: number;
  readonly username: string;

  constructor(target: SftpTarget, methods: string[], options?: ErrorOptions) {
    super(
      `sftp_storage: ${where(target)} refused the login of user "${target.username}" ` +
        `(tried ${methods.join(" and ")}); check sftp_storage.username, and private_key_path ` +
        "with its passphrase (is its public key in the user's authorized_keys?) or password",
      options,
    );
    this.name = "SftpAuthFailedError";
    this.host = target.host;
    this.port = target.port;
    this.username = target.username;
  }
}

/**
 * The server refused a write it should take (disk full, quota, an I/O error): waiting or freeing
 * space fixes it.
 */
export class SftpWriteError extends Error {
  readonly code = "SFTP_WRITE_FAILED";
  readonly retryable = true;
  readonly path: string;

  constructor(target: SftpTarget, path: string, reason: string, options?: ErrorOptions) {
    super(
      `sftp_storage: ${where(target)} could not write ${path}: ${reason} (the batch is kept ` +
        "and retried; check free space and quota on the server)",
      options,
    );
    this.name = "SftpWriteError";
    this.path = path;
  }
}

/** `deliver` after `close`: a wiring mistake in the program, not a server problem. */
export class SftpSinkClosedError extends Error {
  readonly code = "SFTP_SINK_CLOSED";
  readonly retryable = false;

  constructor() {
    super("sftp_storage: the sink was closed; create a new one to deliver again");
    this.name = "SftpSinkClosedError";
  }
}
