/**
 * A local Deno KV file shared by two processes (the service and a CLI command beside it) meets
 * SQLite's "database is locked" when both write at once. Deno KV waits up to 5 s for a lock that
 * is held, but a write whose snapshot another connection changed fails at once (measured: two
 * connections doing check-and-set on one key, 3,159 of 8,000 commits failed in 1 s; in CI a
 * `registrations add` beside `run` failed on the shared rate-limit slot). A failed commit changed
 * nothing, so it is safe to do again; this wraps the store once, where it is opened, so that
 * every read, write and atomic commit tries again instead of each caller remembering to.
 */

import { backoffDelay } from "./backoff.ts";
import { sleep } from "./sleep.ts";

/** How long a locked operation is tried again before its error goes up. */
export interface LockRetryOptions {
  /** Attempts in all, the first included; 12 span about 1 s of backoff (plus KV's own waits). */
  attempts?: number;
}

/** Runs `operation` again while the store is locked by another process; other errors go up at once. */
export async function retryWhileLocked<T>(
  operation: () => Promise<T>,
  options: LockRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 12;
  for (let attempt = 1;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isLocked(error)) throw error;
      // Jittered, so that two writers do not collide again in step.
      await sleep(backoffDelay(attempt, { baseMs: 10, maxMs: 250 }));
    }
  }
}

/** True for SQLite's busy error as Deno KV reports it. */
export function isLocked(error: unknown): boolean {
  return error instanceof Error && /database is locked|SQLITE_BUSY/i.test(error.message);
}

/**
 * The same store, with `get`, `getMany`, `set`, `delete`, every atomic `commit` and every `list`
 * page retried while locked. A list resumes from the cursor of the last entry it yielded, so no
 * entry is yielded twice or skipped.
 */
export function lockTolerantKv(kv: Deno.Kv, options: LockRetryOptions = {}): Deno.Kv {
  const retried = <T>(operation: () => Promise<T>) => retryWhileLocked(operation, options);
  return new Proxy(kv, {
    get(target, property) {
      switch (property) {
        case "get":
          return (...args: Parameters<Deno.Kv["get"]>) => retried(() => target.get(...args));
        case "getMany":
          return (...args: Parameters<Deno.Kv["getMany"]>) =>
            retried(() => target.getMany(...args));
        case "set":
          return (...args: Parameters<Deno.Kv["set"]>) => retried(() => target.set(...args));
        case "delete":
          return (...args: Parameters<Deno.Kv["delete"]>) => retried(() => target.delete(...args));
        case "atomic":
          return () => lockTolerantAtomic(target.atomic(), options);
        case "list":
          return (selector: Deno.KvListSelector, listOptions?: Deno.KvListOptions) =>
            new LockTolerantList(target, { selector, listOptions, retry: options });
      }
      // Deno.Kv keeps its handle in private fields: its own methods must run on the real object.
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function lockTolerantAtomic(
  operation: Deno.AtomicOperation,
  options: LockRetryOptions,
): Deno.AtomicOperation {
  const proxy: Deno.AtomicOperation = new Proxy(operation, {
    get(target, property) {
      if (property === "commit") return () => retryWhileLocked(() => target.commit(), options);
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      // check/set/sum/… return the operation itself for chaining: hand back the proxy instead,
      // so that the commit at the end of a chain is the retried one.
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}

/** A `Deno.KvListIterator` whose pages are fetched again, from where it stood, while locked. */
class LockTolerantList<T> implements AsyncIterableIterator<Deno.KvEntry<T>> {
  readonly #kv: Deno.Kv;
  readonly #selector: Deno.KvListSelector;
  readonly #listOptions: Deno.KvListOptions;
  readonly #retry: LockRetryOptions;
  #inner: Deno.KvListIterator<T>;
  #yielded = 0;
  #cursor = "";

  constructor(
    kv: Deno.Kv,
    init: {
      selector: Deno.KvListSelector;
      listOptions?: Deno.KvListOptions;
      retry: LockRetryOptions;
    },
  ) {
    this.#kv = kv;
    this.#selector = init.selector;
    this.#listOptions = init.listOptions ?? {};
    this.#retry = init.retry;
    this.#inner = kv.list<T>(init.selector, init.listOptions);
  }

  /** Where the iteration stands, as `Deno.KvListIterator.cursor` gives it. */
  get cursor(): string {
    return this.#cursor;
  }

  next(): Promise<IteratorResult<Deno.KvEntry<T>>> {
    return retryWhileLocked(async () => {
      try {
        const result = await this.#inner.next();
        if (!result.done) {
          this.#yielded++;
          this.#cursor = this.#inner.cursor;
        }
        return result;
      } catch (error) {
        if (isLocked(error)) this.#restart();
        throw error;
      }
    }, this.#retry);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Deno.KvEntry<T>> {
    return this;
  }

  #restart(): void {
    const limit = this.#listOptions.limit;
    this.#inner = this.#kv.list<T>(this.#selector, {
      ...this.#listOptions,
      ...(this.#cursor === "" ? {} : { cursor: this.#cursor }),
      ...(limit === undefined ? {} : { limit: Math.max(0, limit - this.#yielded) }),
    });
  }
}
