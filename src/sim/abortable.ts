/**
 * Waiting that ends when the client gives up or the simulator shuts down, so an injected hang or
 * delay never leaves a timer or a request behind.
 */

/** Resolves once any signal aborts (never, if none can). */
export function waitForAbort(signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) return resolve();
    function done(): void {
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    }
    for (const signal of signals) signal.addEventListener("abort", done, { once: true });
  });
}

/** Resolves after `ms`, or earlier when any signal aborts; the timer is always cleared. */
export function sleep(ms: number, signals: readonly AbortSignal[]): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  const stop = new AbortController();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => stop.abort(), ms);
    waitForAbort([...signals, stop.signal]).then(() => {
      clearTimeout(timer);
      if (!stop.signal.aborted) stop.abort();
      resolve();
    });
  });
}
