/**
 * Runs a KV write again while another process holds the store's lock. A CLI command writing
 * beside a running service (both on one KV file) can meet SQLite's "database is locked", which
 * Deno KV passes through instead of waiting; measured in the rate-budget e2e test, where a
 * `registrations add` beside `run` failed on it. Other errors go up at once.
 */
export async function retryWhileLocked<T>(
  write: () => Promise<T>,
  options: { attempts?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 1;; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || !isLocked(error)) throw error;
      // 10 ms, doubling to 250 ms, with jitter so two writers do not collide again in step.
      const delay = Math.min(250, 10 * 2 ** (attempt - 1)) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function isLocked(error: unknown): boolean {
  return error instanceof Error && /database is locked|SQLITE_BUSY/i.test(error.message);
}
