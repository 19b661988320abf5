import { posix } from "node:path";
import { SftpConfigurationError } from "./errors.ts";
import { type SftpSession, SftpStatusError } from "./session.ts";

/**
 * `mkdir -p` on the server, once per folder for the sink's lifetime. Uploads in parallel share
 * the creation of a folder (and its parents) instead of racing to create it: a lost race shows
 * up as a generic SFTP failure that cannot be told apart from a real one without another stat.
 */
export class RemoteFolders {
  readonly #known = new Set<string>();
  readonly #pending = new Map<string, Promise<void>>();
  /** The mode of folders it creates; existing ones are left as they are. */
  readonly #mode: number | undefined;

  constructor(options: { mode?: number } = {}) {
    this.#mode = options.mode;
  }

  /** Creates `folder` and its missing parents, unless this sink saw it already. */
  ensure(session: SftpSession, folder: string): Promise<void> {
    if (this.#known.has(folder)) return Promise.resolve();
    let pending = this.#pending.get(folder);
    if (!pending) {
      pending = this.#create(session, folder).then(
        () => {
          this.#known.add(folder);
        },
      ).finally(() => this.#pending.delete(folder));
      this.#pending.set(folder, pending);
    }
    return pending;
  }

  /** Someone removed `folder` on the server: create it again next time. */
  forget(folder: string): void {
    for (const known of this.#known) {
      if (known === folder || known.startsWith(folder + "/")) this.#known.delete(known);
    }
  }

  async #create(session: SftpSession, folder: string): Promise<void> {
    try {
      await session.mkdir(folder, { mode: this.#mode });
      return;
    } catch (error) {
      if (!(error instanceof SftpStatusError)) throw error;
      if (error.status === "failure") return await this.#existing(session, folder);
      const parent = posix.dirname(folder);
      if (error.status !== "no_such_file" || parent === folder) throw error;
      await this.ensure(session, parent);
    }
    try {
      await session.mkdir(folder, { mode: this.#mode });
    } catch (error) {
      if (error instanceof SftpStatusError && error.status === "failure") {
        return await this.#existing(session, folder);
      }
      throw error;
    }
  }

  // OpenSSH answers mkdir of an existing path with a bare FAILURE: find out what is there.
  async #existing(session: SftpSession, folder: string): Promise<void> {
    const stat = await session.stat(folder);
    if (!stat.isDirectory) {
      throw new SftpConfigurationError(
        folder,
        "a file is in the way where a folder belongs",
        "move that file, or change sftp_storage.remote_base_path",
      );
    }
  }
}
