/**
 * State is private to its owner: the KV file holds the D&B access token and the journal, the
 * SQLite file every stored notification. Under the usual umask 022 both would be readable by
 * every local user, so what this process creates it creates for its owner alone, and what it
 * finds open to others it reports, with the command that closes it.
 */

/** SQLite's (and Deno KV's) companions of a database file, which hold its recent writes. */
const COMPANIONS = ["", "-wal", "-shm", "-journal"];

const POSIX = Deno.build.os !== "windows";

/** Creates `dir` (and its parents) for the owner only; an existing folder is left as it is. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const existed = await exists(dir);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  if (!existed && POSIX) await Deno.chmod(dir, 0o700);
}

/** Whether `path` exists now (before a database creates it). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Makes a database file this process just created, and its companions, owner-only (0600). */
export async function makeDatabasePrivate(path: string): Promise<void> {
  if (!POSIX) return;
  for (const suffix of COMPANIONS) {
    await Deno.chmod(path + suffix, 0o600).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/** One state file or folder others can read or enter, and the command that closes it. */
export interface ExposedFile {
  path: string;
  mode: number;
  fix: string;
}

/** The database file, its companions and its folder, where group or others have any access. */
export async function exposedState(databasePath: string, dir: string): Promise<ExposedFile[]> {
  if (!POSIX) return [];
  const found: ExposedFile[] = [];
  const check = async (path: string, wanted: number) => {
    const mode = await Deno.stat(path).then((info) => info.mode, () => null);
    if (mode === null || (mode & 0o077) === 0) return;
    found.push({
      path,
      mode: mode & 0o777,
      fix: `chmod ${wanted.toString(8)} ${JSON.stringify(path)}`,
    });
  };
  await check(dir, 0o700);
  for (const suffix of COMPANIONS) await check(databasePath + suffix, 0o600);
  return found;
}
