import { posix } from "node:path";
import type { SftpStorageConfig } from "../../config/config.ts";
import { gzipBytes } from "../compress.ts";
import { encodeBatch, formatFor } from "../format.ts";
import { batchFilePath } from "../layout.ts";
import {
  type Batch,
  type DeliverOptions,
  type DeliveryReceipt,
  type Sink,
  SinkRejectedError,
  SinkStats,
} from "../sink.ts";
import { ConnectionPool, ConnectionPoolClosedError } from "./connection_pool.ts";
import {
  SftpAuthFailedError,
  SftpConfigurationError,
  SftpHostKeyMismatchError,
  SftpSinkClosedError,
  type SftpTarget,
  SftpUnavailableError,
  SftpWriteError,
} from "./errors.ts";
import { hostKeyCheck, type HostKeyVerdict } from "./host_key.ts";
import { RemoteFolders } from "./remote_folders.ts";
import {
  SftpConnectFailure,
  type SftpConnector,
  type SftpSession,
  SftpStatusError,
} from "./session.ts";
import { ssh2Connector } from "./ssh2_connector.ts";
import { SftpTimeoutError, timedSession } from "./timed_session.ts";

export {
  SftpAuthFailedError,
  SftpConfigurationError,
  SftpHostKeyMismatchError,
  SftpSinkClosedError,
  type SftpTarget,
  SftpUnavailableError,
  SftpWriteError,
} from "./errors.ts";
export {
  type HostKeyCheck,
  hostKeyCheck,
  type HostKeyCheckOptions,
  type HostKeyVerdict,
  type HostKeyVerdictReason,
  keyTypeOf,
  type KnownHostEntry,
  knownHostsMatch,
  knownHostsName,
  parseKnownHosts,
  sftpFingerprint,
} from "./host_key.ts";
export {
  type ConnectFailureKind,
  type RemoteStat,
  SftpConnectFailure,
  type SftpConnectOptions,
  type SftpConnector,
  type SftpSession,
  type SftpStatus,
  SftpStatusError,
} from "./session.ts";
import { folderModeFor } from "../atomic_file.ts";
export { ssh2Connector } from "./ssh2_connector.ts";

export const SFTP_SINK_NAME = "sftp_storage";

/** Written into the JSON envelope's `storage_type`, the value the original service used. */
const STORAGE_TYPE = "sftp";

export interface SftpSinkOptions {
  /** Opens connections; npm:ssh2 by default. Tests pass a double or wrap it to count connects. */
  connector?: SftpConnector;
}

/** One batch, encoded and placed: what an upload needs. */
interface PlannedFile {
  path: string;
  folder: string;
  bytes: Uint8Array;
}

/**
 * Stores each batch as one file under `config.remote_base_path`, with the layout and bytes of
 * the local sink (see `batchFilePath`). Each file is uploaded under a temporary name beside its
 * final one and renamed over it (`posix-rename@openssh.com`), so a reader never sees part of a
 * file and a re-delivered batch replaces its file. Up to `config.connections` connections stay
 * open across batches and are re-opened when lost. Every failure is an outage, typed by cause.
 */
export function createSftpSink(config: SftpStorageConfig, options: SftpSinkOptions = {}): Sink {
  const format = formatFor(config.file_format);
  const connector = options.connector ?? ssh2Connector;
  const target: SftpTarget = {
    host: config.hostname,
    port: config.port,
    username: config.username,
  };
  const timeoutMs = config.timeout * 1000;
  const stats = new SinkStats();
  const folders = new RemoteFolders({ mode: folderModeFor(config.file_permissions) });
  // Temp files whose removal failed with their connection; removed after the next success.
  const orphans = new Set<string>();
  const pool = new ConnectionPool({ size: config.connections, open });
  let closed = false;

  async function open(): Promise<SftpSession> {
    const privateKey = config.private_key_path === null
      ? undefined
      : await readLocal(config.private_key_path, "private key", "sftp_storage.private_key_path");
    const knownHosts = config.known_hosts_path === null ? null : {
      path: config.known_hosts_path,
      text: new TextDecoder().decode(
        await readLocal(
          config.known_hosts_path,
          "known_hosts file",
          "sftp_storage.known_hosts_path",
        ),
      ),
    };
    const check = hostKeyCheck({
      host: config.hostname,
      port: config.port,
      pin: config.host_key_fingerprint,
      knownHosts,
    });
    let verdict: HostKeyVerdict | null = null;
    try {
      const session = await connector.connect({
        host: config.hostname,
        port: config.port,
        username: config.username,
        privateKey,
        passphrase: config.passphrase?.reveal(),
        password: config.password?.reveal(),
        verifyHostKey(keyBlob) {
          verdict = check.verify(keyBlob);
          return verdict.accepted;
        },
        hostKeyAlgorithms: check.algorithms,
        timeoutMs,
        keepaliveIntervalMs: config.keepalive_interval * 1000,
      });
      return timedSession(session, timeoutMs);
    } catch (error) {
      throw connectError(error, verdict);
    }
  }

  function connectError(error: unknown, verdict: HostKeyVerdict | null): Error {
    if (verdict !== null && !verdict.accepted) return new SftpHostKeyMismatchError(target, verdict);
    if (!(error instanceof SftpConnectFailure)) {
      return new SftpUnavailableError(target, `cannot connect: ${messageOf(error)}`, {
        cause: error,
      });
    }
    switch (error.kind) {
      case "auth_failed": {
        const methods = [
          ...(config.private_key_path === null ? [] : [`private key ${config.private_key_path}`]),
          ...(config.password === null ? [] : ["password"]),
        ];
        return new SftpAuthFailedError(target, methods, { cause: error });
      }
      case "private_key_invalid":
        return new SftpConfigurationError(
          config.private_key_path ?? "sftp_storage.private_key_path",
          `cannot use the private key (${error.message})`,
          "give an OpenSSH or PEM private key, with sftp_storage.passphrase when it is encrypted",
          { cause: error },
        );
      case "host_key_refused":
        return new SftpUnavailableError(target, `the host key was refused: ${error.message}`, {
          cause: error,
        });
      case "timeout":
        return new SftpUnavailableError(target, `connecting timed out: ${error.message}`, {
          cause: error,
        });
      case "unreachable":
        return new SftpUnavailableError(target, `cannot connect: ${error.message}`, {
          cause: error,
        });
    }
  }

  /**
   * Runs `run` on a pooled connection. A reused connection can have died unnoticed while idle:
   * when it fails for that reason, `run` gets one more go on a fresh connection.
   */
  async function withSession<T>(
    run: (session: SftpSession) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 1;; attempt++) {
      let staleFailure = false;
      try {
        return await pool.use(async (session, fresh) => {
          try {
            return await run(session);
          } catch (error) {
            if (!isTransportFailure(error)) throw error;
            pool.discard(session);
            staleFailure = !fresh;
            throw unavailable(error);
          }
        }, signal);
      } catch (error) {
        if (!staleFailure || attempt > 1 || signal?.aborted) throw error;
      }
    }
  }

  function unavailable(error: unknown): SftpUnavailableError {
    const reason = error instanceof SftpTimeoutError
      ? error.message
      : `the connection was lost: ${messageOf(error)}`;
    return new SftpUnavailableError(target, reason, { cause: error });
  }

  function plan(batch: Batch): PlannedFile {
    const relative = batchFilePath(batch, {
      format: config.file_format,
      compress: config.compress,
      organizeByDate: config.organize_by_date,
    });
    const path = posix.join(config.remote_base_path, relative);
    const encoded = encodeBatch(format, batch, { sink: SFTP_SINK_NAME, storageType: STORAGE_TYPE });
    return {
      path,
      folder: posix.dirname(path),
      bytes: config.compress ? gzipBytes(encoded) : encoded,
    };
  }

  /** Writes `file` under a new temporary name in its folder; returns that name. */
  async function putTemp(session: SftpSession, file: PlannedFile): Promise<string> {
    for (let attempt = 1;; attempt++) {
      await folders.ensure(session, file.folder);
      const temp = posix.join(
        file.folder,
        `.${posix.basename(file.path)}.${randomSuffix()}.tmp`,
      );
      try {
        await session.writeNewFile(temp, file.bytes, { mode: config.file_permissions });
        return temp;
      } catch (error) {
        await removeQuietly(session, temp);
        // The folder was there earlier in this sink's life; someone removed it since.
        if (attempt === 1 && isStatus(error, "no_such_file")) {
          folders.forget(file.folder);
          continue;
        }
        throw error;
      }
    }
  }

  /** Moves `temp` over `path`: atomically where the server can, else remove-then-rename. */
  async function replace(session: SftpSession, temp: string, path: string): Promise<void> {
    try {
      if (await session.posixRename(temp, path)) return;
      try {
        await session.unlink(path);
      } catch (error) {
        if (!isStatus(error, "no_such_file")) throw error;
      }
      await session.rename(temp, path);
    } catch (error) {
      await removeQuietly(session, temp);
      throw error;
    }
  }

  async function removeQuietly(session: SftpSession, path: string): Promise<void> {
    if (session.closed) {
      orphans.add(path);
      return;
    }
    try {
      await session.unlink(path);
      orphans.delete(path);
    } catch (error) {
      if (isStatus(error, "no_such_file")) orphans.delete(path);
      else orphans.add(path);
    }
  }

  async function removeOrphans(session: SftpSession): Promise<void> {
    for (const path of [...orphans]) {
      if (session.closed) return;
      await removeQuietly(session, path);
    }
  }

  async function deliver(batch: Batch, deliverOptions: DeliverOptions = {}) {
    const { signal } = deliverOptions;
    if (closed) throw new SftpSinkClosedError();
    signal?.throwIfAborted();
    try {
      const file = plan(batch);
      await withSession(async (session) => {
        const temp = await putTemp(session, file);
        await replace(session, temp, file.path);
        if (orphans.size > 0) await removeOrphans(session);
      }, signal);
      const receipt: DeliveryReceipt = {
        written: 1,
        bytes: file.bytes.length,
        location: file.path,
      };
      stats.recordWrite(receipt);
      return receipt;
    } catch (error) {
      throw failed(error, signal);
    }
  }

  /**
   * Group commit when behind: every file is uploaded under its temporary name in parallel, and
   * only when all of them are there are they renamed into place. An upload failure removes the
   * temporary files and stores nothing. A failure among the renames can leave some batches
   * stored; their files are exactly what the one-by-one re-delivery writes again.
   */
  async function deliverMany(batches: Batch[], deliverOptions: DeliverOptions = {}) {
    const { signal } = deliverOptions;
    if (closed) throw new SftpSinkClosedError();
    signal?.throwIfAborted();
    try {
      const files = batches.map(plan);
      // Shared parents first, on one connection, so that parallel uploads never race to make them.
      const newFolders = [...new Set(files.map((file) => file.folder))];
      await withSession(async (session) => {
        for (const folder of newFolders) await folders.ensure(session, folder);
      }, signal);

      const uploads = await Promise.allSettled(
        files.map((file) => withSession((session) => putTemp(session, file), signal)),
      );
      const temps = uploads.flatMap((upload) =>
        upload.status === "fulfilled" ? [upload.value] : []
      );
      const uploadFailure = uploads.find((upload) => upload.status === "rejected");
      if (uploadFailure) {
        await removeAll(temps);
        throw uploadFailure.reason;
      }

      const renames = await Promise.allSettled(
        files.map((file, index) =>
          withSession((session) => replace(session, temps[index], file.path), signal)
        ),
      );
      const renameFailure = renames.find((rename) => rename.status === "rejected");
      if (renameFailure) throw renameFailure.reason;
      if (orphans.size > 0) await withSession(removeOrphans).catch(() => {});

      const receipt: DeliveryReceipt = {
        written: files.length,
        bytes: files.reduce((sum, file) => sum + file.bytes.length, 0),
        location: config.remote_base_path,
      };
      stats.recordWrite(receipt);
      return receipt;
    } catch (error) {
      throw failed(error, signal);
    }
  }

  async function removeAll(paths: string[]): Promise<void> {
    for (const path of paths) orphans.add(path);
    await withSession(removeOrphans).catch(() => {});
  }

  function failed(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    // Refusals are about the data, not the server: the sink stays healthy.
    if (error instanceof SinkRejectedError) return error;
    const typed = deliveryError(error);
    stats.recordError(typed);
    return typed;
  }

  function deliveryError(error: unknown): unknown {
    if (error instanceof ConnectionPoolClosedError) return new SftpSinkClosedError();
    // Everything else but a status is typed already: connect errors, layout, format.
    if (!(error instanceof SftpStatusError)) return error;
    const user = `user "${config.username}"`;
    switch (error.status) {
      case "permission_denied":
        return new SftpConfigurationError(
          error.path,
          `permission denied on ${target.host}:${target.port}`,
          `give ${user} write access there, or change sftp_storage.remote_base_path`,
          { cause: error },
        );
      case "no_such_file":
        return new SftpConfigurationError(
          error.path,
          `no such path on ${target.host}:${target.port}, even after creating its folders`,
          "check sftp_storage.remote_base_path (a chroot changes what / means for " +
            `${user}) and that nothing removes folders while the sink writes`,
          { cause: error },
        );
      case "unsupported":
        return new SftpConfigurationError(
          error.path,
          `the server at ${target.host}:${target.port} does not support an operation the sink ` +
            `needs (${error.message})`,
          "use an SFTP server that supports rename and remove, such as OpenSSH",
          { cause: error },
        );
      case "failure":
        return new SftpWriteError(target, error.path, error.message, { cause: error });
    }
  }

  return {
    name: SFTP_SINK_NAME,
    deliver,
    deliverMany,
    health: () => stats.health(),
    async close() {
      closed = true;
      await pool.close();
    },
  };
}

/**
 * Inside an upload, everything but the server's answer about a path (a status) and the folder
 * checks means the connection is unusable: lost, reset, or timed out.
 */
function isTransportFailure(error: unknown): boolean {
  return !(error instanceof SftpStatusError) && !(error instanceof SftpConfigurationError);
}

function isStatus(error: unknown, status: SftpStatusError["status"]): boolean {
  return error instanceof SftpStatusError && error.status === status;
}

async function readLocal(path: string, what: string, setting: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    const advice = error instanceof Deno.errors.NotCapable
      ? `grant Deno read access to it (--allow-read), or change ${setting}`
      : `check ${setting} and that the user running TraceOne may read the file`;
    throw new SftpConfigurationError(
      path,
      `cannot read the ${what} (${messageOf(error)})`,
      advice,
      {
        cause: error,
      },
    );
  }
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
