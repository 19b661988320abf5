/**
 * Notifications arriving over time, as a live registration sees them: each registration with
 * subjects gets `notificationsPerMinute` on average. One timer per simulator, cleared by `stop`.
 */
import type { SimulatorState } from "./state.ts";

export interface Trickle {
  stop(): void;
}

/** Ticks no faster than this; a high rate makes several notifications per tick instead. */
const MIN_TICK_MS = 50;

export function startTrickle(
  state: SimulatorState,
  options: { notificationsPerMinute: number },
): Trickle {
  const perMinute = options.notificationsPerMinute;
  if (!(perMinute > 0)) return { stop() {} };
  const tickMs = Math.max(MIN_TICK_MS, 60_000 / perMinute);
  let owed = 0;
  const timer = setInterval(() => {
    owed += (perMinute * tickMs) / 60_000;
    const count = Math.floor(owed);
    if (count === 0) return;
    owed -= count;
    for (const registration of state.registrations.values()) {
      if (registration.subjects.size > 0) state.generate(registration, { count });
    }
  }, tickMs);
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
