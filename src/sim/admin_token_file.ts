/**
 * The admin token on disk, so that other processes of the same user (CLI commands beside a
 * running `start`) can reach the simulator's admin API. Owner-only, like the KV file beside it.
 */

const POSIX = Deno.build.os !== "windows";

function ignoreMissing(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

/** Writes `token` to `path` for its owner alone (0600), replacing a file a dead run left. */
export async function writeAdminTokenFile(path: string, token: string): Promise<void> {
  // A new file rather than an overwrite: an old one keeps whatever mode it had.
  await Deno.remove(path).catch(ignoreMissing);
  await Deno.writeTextFile(path, `${token}\n`, { createNew: true, mode: 0o600 });
  // The mode above passes through the umask, which may only remove bits; this states it outright.
  if (POSIX) await Deno.chmod(path, 0o600);
}

/** The token in `path`, or null when there is no such file or it is empty. */
export async function readAdminTokenFile(path: string): Promise<string | null> {
  try {
    const token = (await Deno.readTextFile(path)).trim();
    return token === "" ? null : token;
  } catch (error) {
    ignoreMissing(error);
    return null;
  }
}

/** Removes `path` if it still holds `token`: a file another run wrote since stays. */
export async function removeAdminTokenFile(path: string, token: string): Promise<void> {
  if (await readAdminTokenFile(path) !== token) return;
  await Deno.remove(path).catch(ignoreMissing);
}
