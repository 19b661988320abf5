import { join } from "node:path";
import type { LocalStorageConfig } from "../config/config.ts";
import { type AtomicFileIo, AtomicWriteError, writeFileAtomic } from "./atomic_file.ts";
import { gzipBytes } from "./compress.ts";
import { encodeBatch, formatFor } from "./format.ts";
import { batchFilePath } from "./layout.ts";
import {
  type Batch,
  type DeliverOptions,
  type DeliveryReceipt,
  type Sink,
  SinkStats,
} from "./sink.ts";

export const LOCAL_SINK_NAME = "local_storage";

/** Written into the JSON envelope's `storage_type`, the value the original service used. */
const STORAGE_TYPE = "local_file";

export interface LocalSinkOptions {
  /** Replaces file system calls, so tests can make a write fail at a chosen step. */
  io?: Partial<AtomicFileIo>;
}

/**
 * The local folder could not take a batch: disk full, no permission, read-only file system, a
 * file where a folder should be, a name too long. `refusals.ts` decides from `osCode` what the
 * pipeline does: waiting fixes a full disk (an outage, retried for as long as it takes), never a
 * name too long (a refusal, dead-lettered after `dead_letter_after` attempts).
 */
export class LocalWriteError extends Error {
  readonly code = "LOCAL_WRITE_FAILED";
  readonly path: string;
  /** The OS error code (`ENOSPC`, `EACCES`, `EROFS`…), or null when there is none. */
  readonly osCode: string | null;

  constructor(path: string, cause: unknown) {
    const osCode = cause instanceof AtomicWriteError ? cause.osCode : null;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`local_storage: cannot write ${path}: ${reason} — ${adviceFor(osCode, cause)}`, {
      cause,
    });
    this.name = "LocalWriteError";
    this.path = path;
    this.osCode = osCode;
  }
}

/** `deliver` after `close`: a wiring mistake in the program, not a storage problem. */
export class LocalSinkClosedError extends Error {
  readonly code = "LOCAL_SINK_CLOSED";

  constructor() {
    super("local_storage: the sink was closed; create a new one to deliver again");
    this.name = "LocalSinkClosedError";
  }
}

/**
 * Stores each batch as one file under `config.base_path` (see `batchFilePath`), in the configured
 * format, gzipped when asked, with `config.file_permissions`. Names and bytes depend on the batch
 * alone, so a re-delivery atomically replaces the file with an identical one.
 */
export function createLocalSink(config: LocalStorageConfig, options: LocalSinkOptions = {}): Sink {
  const format = formatFor(config.file_format);
  const stats = new SinkStats();
  let closed = false;

  async function deliver(batch: Batch, deliverOptions: DeliverOptions = {}) {
    if (closed) throw new LocalSinkClosedError();
    deliverOptions.signal?.throwIfAborted();
    try {
      const receipt = await write(batch);
      stats.recordWrite(receipt);
      return receipt;
    } catch (error) {
      stats.recordError(error);
      throw error;
    }
  }

  async function write(batch: Batch): Promise<DeliveryReceipt> {
    const relative = batchFilePath(batch, {
      format: config.file_format,
      compress: config.compress,
      organizeByDate: config.organize_by_date,
    });
    const path = join(config.base_path, ...relative.split("/"));
    const encoded = encodeBatch(format, batch, {
      sink: LOCAL_SINK_NAME,
      storageType: STORAGE_TYPE,
    });
    const bytes = config.compress ? gzipBytes(encoded) : encoded;
    try {
      await writeFileAtomic(path, bytes, { mode: config.file_permissions, io: options.io });
    } catch (error) {
      throw new LocalWriteError(path, error);
    }
    return { written: 1, bytes: bytes.length, location: path };
  }

  /**
   * Catching up: the files of several batches written at once, so their fsyncs overlap. Each
   * file is still atomic; a failure leaves the others in place, identical to what the
   * one-by-one retry writes.
   */
  async function deliverMany(batches: Batch[], deliverOptions: DeliverOptions = {}) {
    const receipts = await Promise.all(batches.map((batch) => deliver(batch, deliverOptions)));
    return {
      written: receipts.reduce((n, r) => n + r.written, 0),
      bytes: receipts.reduce((n, r) => n + (r.bytes ?? 0), 0),
      location: receipts.at(-1)?.location,
    };
  }

  return {
    name: LOCAL_SINK_NAME,
    deliver,
    deliverMany,
    health: () => stats.health(),
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

function adviceFor(osCode: string | null, cause: unknown): string {
  if (cause instanceof AtomicWriteError && cause.cause instanceof Deno.errors.NotCapable) {
    return "grant Deno write access to local_storage.base_path (--allow-write)";
  }
  switch (osCode) {
    case "ENOSPC":
    case "EDQUOT":
      return "free space (or quota) on the disk that holds local_storage.base_path; " +
        "the batch is kept and retried";
    case "EACCES":
    case "EPERM":
      return "give the user running TraceOne write access to that folder, or change " +
        "local_storage.base_path";
    case "EROFS":
      return "the file system is read-only; remount it read-write or change " +
        "local_storage.base_path";
    case "ENOTDIR":
    case "EEXIST":
    case "EISDIR":
      return "something that is not a folder (or a folder where the file goes) is in the way; " +
        "move it or change local_storage.base_path";
    default:
      return "check local_storage.base_path and the disk; the batch is kept and retried";
  }
}
