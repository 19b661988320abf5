import { basename, dirname, join } from "node:path";

/** The calls of a write that tests replace to fail on purpose; real ones by default. */
export interface AtomicFileIo {
  /** Writes every byte to the open file. */
  write(file: Deno.FsFile, bytes: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Makes a folder's entries (a rename, a new child folder) durable. */
  syncFolder(path: string): Promise<void>;
}

export interface WriteFileAtomicOptions {
  /** Permission bits of the file, e.g. 0o640; folders created on the way get `folderModeFor`. */
  mode: number;
  io?: Partial<AtomicFileIo>;
}

/** The step of an atomic write that failed, for messages and tests. */
export type AtomicWriteStep =
  | "mkdir"
  | "create"
  | "chmod"
  | "write"
  | "sync"
  | "rename"
  | "sync_folder";

/** An atomic write failed; the final file is untouched (before `rename`) and no temp file is left. */
export class AtomicWriteError extends Error {
  readonly code = "ATOMIC_WRITE_FAILED";
  readonly path: string;
  readonly step: AtomicWriteStep;
  /** The OS error code (`ENOSPC`, `EACCES`, `EROFS`…), or null when there is none. */
  readonly osCode: string | null;

  constructor(path: string, step: AtomicWriteStep, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`writing ${path} failed at ${step}: ${reason}`, { cause });
    this.name = "AtomicWriteError";
    this.path = path;
    this.step = step;
    this.osCode = osCodeOf(cause);
  }
}

/**
 * A folder mode that matches a file mode: execute wherever read is granted (0o640 → 0o750), so
 * whoever may read the files may also reach them, plus full owner access, without which the
 * writer could not add the next file (0o440 → 0o750, not 0o550).
 */
export function folderModeFor(fileMode: number): number {
  return (fileMode | ((fileMode & 0o444) >> 2) | 0o700) & 0o777;
}

const DEFAULT_IO: AtomicFileIo = {
  async write(file, bytes) {
    let offset = 0;
    while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
  },
  rename: (from, to) => Deno.rename(from, to),
  async syncFolder(path) {
    using folder = await Deno.open(path, { read: true });
    await folder.sync();
  },
};

/**
 * Replaces `path` with `bytes` so that a reader sees the old file or the new one, never a part:
 * write a dot-prefixed temp file beside the target (same file system, so `rename` is atomic),
 * fsync it, rename it over the target, fsync the folder. Missing folders are created with the
 * mode `folderModeFor(mode)` gives. On failure the temp file is removed.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteFileAtomicOptions,
): Promise<void> {
  const io: AtomicFileIo = { ...DEFAULT_IO, ...options.io };
  const mode = options.mode & 0o777;
  const folder = dirname(path);
  const created: string[] = [];
  await step(path, "mkdir", () => makeFolders(folder, folderModeFor(mode), created));

  const temp = join(folder, `.${basename(path)}.${randomSuffix()}.tmp`);
  let renamed = false;
  try {
    {
      using file = await step(
        path,
        "create",
        () => Deno.open(temp, { write: true, createNew: true, mode }),
      );
      // `mode` at creation is narrowed by the umask; chmod sets exactly what was configured.
      await step(path, "chmod", () => Deno.chmod(temp, mode));
      await step(path, "write", () => io.write(file, bytes));
      await step(path, "sync", () => file.sync());
    }
    await step(path, "rename", () => io.rename(temp, path));
    renamed = true;
    await step(path, "sync_folder", async () => {
      await io.syncFolder(folder);
      for (const child of created) await syncParent(io, child);
    });
  } catch (error) {
    if (!renamed) await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Makes a created folder's entry durable in its parent. The parent of a sink's base folder may
 * lie outside what the Deno permissions grant (README, "Security": write of the base folder,
 * not of its parent); that one entry is then left to the file system's next commit rather than
 * failing every first write.
 */
async function syncParent(io: AtomicFileIo, child: string): Promise<void> {
  try {
    await io.syncFolder(dirname(child));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
}

/** `mkdir -p` that records what it created, in creation order, and sets their exact mode. */
async function makeFolders(folder: string, mode: number, created: string[]): Promise<void> {
  try {
    await Deno.mkdir(folder, { mode });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    const parent = dirname(folder);
    if (!(error instanceof Deno.errors.NotFound) || parent === folder) throw error;
    await makeFolders(parent, mode, created);
    try {
      await Deno.mkdir(folder, { mode });
    } catch (again) {
      // Another delivery created it in between: fine, it is there.
      if (again instanceof Deno.errors.AlreadyExists) return;
      throw again;
    }
  }
  await Deno.chmod(folder, mode);
  created.push(folder);
}

async function step<T>(path: string, name: AtomicWriteStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof AtomicWriteError ? error : new AtomicWriteError(path, name, error);
  }
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function osCodeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}
