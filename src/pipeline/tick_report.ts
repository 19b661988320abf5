import { logger } from "../log.ts";
import type { TickResult } from "./monitor.ts";

const log = logger("service");

/** Two consecutive ticks of one registration as one: counts added, the later outcome kept. */
export function mergeTicks(first: TickResult, next: TickResult): TickResult {
  return {
    ...next,
    startedAt: first.startedAt,
    pulls: first.pulls + next.pulls,
    received: first.received + next.received,
    journaled: first.journaled + next.journaled,
    duplicates: first.duplicates + next.duplicates,
    deadLettered: first.deadLettered + next.deadLettered,
    batches: [...first.batches, ...next.batches],
    recovery: first.recovery ?? next.recovery,
    lostResponses: first.lostResponses + next.lostResponses,
    recoveries: [...first.recoveries, ...next.recoveries],
  };
}

export function logTick(result: TickResult): void {
  const fields = {
    registration: result.registration,
    outcome: result.outcome,
    pulls: result.pulls,
    received: result.received,
    journaled: result.journaled,
    duplicates: result.duplicates,
    deadLettered: result.deadLettered,
    lostResponses: result.lostResponses,
  };
  if (result.outcome === "failed") {
    log.error("{registration}: tick failed: {error}", { ...fields, error: result.error });
  } else if (result.lostResponses > 0) {
    log.warn(
      "{registration}: pulled {received}, journaled {journaled}; {lostResponses} answer(s) lost " +
        "on the way and recovered through replay",
      fields,
    );
  } else if (result.received > 0 || result.deadLettered > 0) {
    log.info("{registration}: pulled {received}, journaled {journaled}", fields);
  } else {
    log.debug("{registration}: {outcome}", fields);
  }
}
