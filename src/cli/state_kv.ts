import { dirname } from "node:path";
import type { Config } from "../config/config.ts";
import { kvLocation, openKvArgument } from "../config/kv_location.ts";
import { logger } from "../log.ts";
import { lockTolerantKv } from "../resilience/lock_tolerant_kv.ts";
import { ensurePrivateDir, exists, exposedState, makeDatabasePrivate } from "../private_files.ts";

const log = logger("state");

/** The state KV could not be opened; says which and what to check. */
export class StateKvUnavailableError extends Error {
  readonly code = "STATE_KV_UNAVAILABLE";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StateKvUnavailableError";
  }
}

/**
 * Opens the state KV `state.kv_path` names. A local file gets an owner-only folder and file
 * (it holds the D&B access token and the journal) and a warning when found open to others; a
 * remote or default KV is handed to `Deno.openKv` untouched and never becomes a folder. Every
 * operation waits out another process's write lock (src/resilience/lock_tolerant_kv.ts).
 */
export async function openStateKv(
  config: Config,
  options: { deployment?: boolean } = {},
): Promise<Deno.Kv> {
  return lockTolerantKv(await openKv(config, options));
}

async function openKv(config: Config, options: { deployment?: boolean }): Promise<Deno.Kv> {
  const location = kvLocation(config.state.kv_path);
  if (location.kind === "default" && !options.deployment) {
    throw new StateKvUnavailableError(
      'state.kv_path is "": that is Deno Deploy\'s own KV, which only deploy.ts opens; give a ' +
        "file (e.g. ./data/state.kv) or a KV Connect URL",
    );
  }
  if (location.kind === "remote") {
    try {
      return await Deno.openKv(location.url);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StateKvUnavailableError(
        `state.kv_path: cannot open the remote KV ${location.url}: ${reason} (check the URL, ` +
          "that the KV Connect server answers, and that DENO_KV_ACCESS_TOKEN holds its token)",
        { cause: error },
      );
    }
  }
  if (location.kind !== "file") return await Deno.openKv(openKvArgument(location));
  const path = location.path;
  await ensurePrivateDir(dirname(path));
  const created = !(await exists(path));
  const kv = await Deno.openKv(path);
  if (created) await makeDatabasePrivate(path);
  for (const file of await exposedState(path, dirname(path))) {
    log.warn(
      "{path} is open to other users (mode {mode}): it holds the D&B access token and the " +
        "journal; run: {fix}",
      { path: file.path, mode: `0${file.mode.toString(8)}`, fix: file.fix },
    );
  }
  return kv;
}
