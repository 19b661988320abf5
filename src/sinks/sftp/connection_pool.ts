import type { SftpSession } from "./session.ts";

export interface ConnectionPoolOptions {
  /** Connections open at most; also the number of operations in flight at most. */
  size: number;
  open(): Promise<SftpSession>;
}

/** `use` after `close`. */
export class ConnectionPoolClosedError extends Error {
  readonly code = "SFTP_POOL_CLOSED";

  constructor() {
    super("the SFTP connection pool is closed");
    this.name = "ConnectionPoolClosedError";
  }
}

/**
 * Keeps up to `size` SFTP connections open and lends each to one caller at a time. Connections
 * open lazily, are reused across batches (a login costs a key exchange, an upload a few round
 * trips), and are dropped as soon as they are seen closed, so the next caller reconnects.
 */
export class ConnectionPool {
  readonly #options: ConnectionPoolOptions;
  readonly #idle: SftpSession[] = [];
  readonly #busy = new Set<SftpSession>();
  readonly #closing = new Set<Promise<void>>();
  #waiters: (() => void)[] = [];
  #opening = 0;
  #closed = false;
  #opened = 0;

  constructor(options: ConnectionPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`pool size must be a whole number from 1, not ${options.size}`);
    }
    this.#options = options;
  }

  /** Connections opened since creation, reconnects included. */
  get opened(): number {
    return this.#opened;
  }

  /**
   * Runs `run` with a connection of its own. `fresh` says the connection was opened for this
   * call; a reused one may have died unnoticed while idle.
   */
  async use<T>(
    run: (session: SftpSession, fresh: boolean) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const { session, fresh } = await this.#acquire(signal);
    try {
      return await run(session, fresh);
    } finally {
      this.#release(session);
    }
  }

  /** Ends a connection now; `use` drops it when the caller is done with it. */
  discard(session: SftpSession): void {
    this.#track(session.close());
  }

  /** Refuses new callers, waits for the ones in flight, and ends every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeAll();
    for (const session of this.#idle.splice(0)) this.#track(session.close());
    while (this.#busy.size > 0 || this.#opening > 0 || this.#closing.size > 0) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#waiters.push(resolve);
      await Promise.race([promise, ...this.#closing]);
    }
  }

  async #acquire(signal?: AbortSignal): Promise<{ session: SftpSession; fresh: boolean }> {
    for (;;) {
      if (this.#closed) throw new ConnectionPoolClosedError();
      signal?.throwIfAborted();
      while (this.#idle.length > 0) {
        const session = this.#idle.pop()!;
        if (session.closed) {
          this.#track(session.close());
          continue;
        }
        this.#busy.add(session);
        return { session, fresh: false };
      }
      if (this.#busy.size + this.#opening < this.#options.size) {
        this.#opening++;
        try {
          const session = await this.#options.open();
          this.#opened++;
          if (this.#closed) {
            this.#track(session.close());
            throw new ConnectionPoolClosedError();
          }
          this.#busy.add(session);
          return { session, fresh: true };
        } finally {
          this.#opening--;
          this.#wakeOne();
        }
      }
      await this.#wait(signal);
    }
  }

  #release(session: SftpSession): void {
    this.#busy.delete(session);
    if (this.#closed || session.closed) this.#track(session.close());
    else this.#idle.push(session);
    this.#wakeOne();
  }

  #wait(signal?: AbortSignal): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const onAbort = () => {
      this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
      reject(signal!.reason);
    };
    const wake = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#waiters.push(wake);
    return promise;
  }

  #wakeOne(): void {
    this.#waiters.shift()?.();
  }

  #wakeAll(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  // Closing a connection takes a round trip; `close()` waits for every one it started.
  #track(closing: Promise<void>): void {
    const done = closing.catch(() => {}).finally(() => {
      this.#closing.delete(done);
      this.#wakeAll();
    });
    this.#closing.add(done);
  }
}
