/**
 * Turns stop signals into "stop gracefully" or "exit now".
 *
 * One Ctrl-C under `deno task` reaches the service two or three times within about a millisecond:
 * the terminal sends SIGINT to the whole foreground process group, and `deno task` forwards the
 * SIGINT it got itself. Signals that close behind the first are that same request, not a second
 * one; only a signal that comes later means "now".
 */

/** Long enough for any forwarded copy to arrive, short enough that no person presses twice. */
export const DUPLICATE_WINDOW_MS = 500;

/** What one more stop signal asks for. */
export type SignalVerdict = "stop" | "duplicate" | "exit";

/** Judges a signal at `now` given when the first one came (`null`: this is the first). */
export function judgeSignal(
  firstAt: number | null,
  now: number,
  windowMs = DUPLICATE_WINDOW_MS,
): SignalVerdict {
  if (firstAt === null) return "stop";
  return now - firstAt < windowMs ? "duplicate" : "exit";
}

/** The process's side of signals, passed in so the wiring runs in a unit test. */
export interface SignalPort {
  listen(signal: Deno.Signal, handler: () => void): void;
  exit(code: number): void;
  /** A monotonic clock in milliseconds: a wall-clock jump must not turn a copy into an exit. */
  now(): number;
}

/**
 * Resolves on the first of `signals`; ignores its copies; exits with 130 on a later one, which
 * the journal makes safe.
 */
export function stopOnSignals(
  signals: Deno.Signal[],
  port: SignalPort,
  windowMs = DUPLICATE_WINDOW_MS,
): Promise<void> {
  return new Promise((resolve) => {
    let firstAt: number | null = null;
    const onSignal = () => {
      const now = port.now();
      const verdict = judgeSignal(firstAt, now, windowMs);
      if (verdict === "exit") port.exit(130);
      if (verdict !== "stop") return;
      firstAt = now;
      resolve();
    };
    for (const signal of signals) port.listen(signal, onSignal);
  });
}
