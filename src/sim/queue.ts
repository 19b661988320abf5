/**
 * A registration's notification queue and replay log, with D&B's retention: unpulled items live
 * 4 days, pulled ones are replayable for 14 days (dnb-direct-plus.md §3.1–3.2, §5).
 */
import { appendDeliveryStamp } from "./generator.ts";
import type { SimRegistration, StoredNotification } from "./registration.ts";
import { isoMillis } from "./timestamps.ts";

export const QUEUE_RETENTION_MS = 4 * 86400_000;
export const REPLAY_WINDOW_MS = 14 * 86400_000;

function readStamp(text: string): { duns: string | null; deliveryMs: number | null } {
  try {
    const value = JSON.parse(text);
    const duns = typeof value?.organization?.duns === "string" ? value.organization.duns : null;
    const stamp = typeof value?.deliveryTimeStamp === "string"
      ? Date.parse(value.deliveryTimeStamp)
      : NaN;
    return { duns, deliveryMs: Number.isNaN(stamp) ? null : stamp };
  } catch {
    return { duns: null, deliveryMs: null };
  }
}

/**
 * Stores the text byte-exact. With `stampAtDelivery` the pull that hands it over appends
 * `deliveryTimeStamp`, as D&B does; without it the text goes out as given (a hand-made stamp, or
 * deliberately none), and replay orders it by the stamp it carries, else by enqueue time.
 */
export function enqueueText(
  registration: SimRegistration,
  options: { text: string; nowMs: number; stampAtDelivery?: boolean },
): void {
  const { text, nowMs } = options;
  const { duns, deliveryMs } = readStamp(text);
  registration.queue.push({
    text,
    duns,
    deliveryMs: options.stampAtDelivery ? null : deliveryMs ?? nowMs,
    enqueuedMs: nowMs,
  });
}

export function dropExpired(registration: SimRegistration, nowMs: number): void {
  if (!registration.suppressed) {
    // Held (suppressed) items are not expired: D&B delivers what accumulated since the seed once
    // the customer activates, and their 4 days only start then.
    dropLeading(
      registration.queue,
      (item) => nowMs - Math.max(item.enqueuedMs, registration.activatedMs) >= QUEUE_RETENTION_MS,
    );
  }
  dropLeading(
    registration.replayLog,
    (item) => nowMs - (item.pulledMs ?? nowMs) >= REPLAY_WINDOW_MS,
  );
}

/**
 * Both lists are in time order (enqueue order, pull order), so what expired is a prefix. Cutting
 * only that prefix keeps a pull O(batch) instead of O(backlog) — it matters at 100,000 queued.
 */
function dropLeading(items: StoredNotification[], expired: (item: StoredNotification) => boolean) {
  let count = 0;
  while (count < items.length && expired(items[count])) count++;
  if (count > 0) items.splice(0, count);
}

/**
 * The destructive read: the oldest items leave the queue for the replay log, stamped with the
 * moment of this delivery (`stamp()` gives ascending milliseconds on the simulator's clock).
 */
export function takeOldest(
  registration: SimRegistration,
  options: { max: number; nowMs: number; stamp: () => number },
): StoredNotification[] {
  const { max, nowMs } = options;
  const taken = registration.queue.splice(0, max);
  for (const item of taken) {
    if (item.deliveryMs === null) {
      const deliveryMs = options.stamp();
      item.deliveryMs = deliveryMs;
      item.text = appendDeliveryStamp(item.text, isoMillis(deliveryMs));
    }
    item.pulledMs = nowMs;
    registration.replayLog.push(item);
  }
  return taken;
}

/**
 * Strictly after `startMs`, ascending, at most `max`. The start has whole seconds and stamps have
 * milliseconds, so responses overlap at second boundaries, and a second holding more than `max`
 * notifications can only be read up to its first `max`.
 */
export function replaySince(
  registration: SimRegistration,
  options: { startMs: number; max: number },
): StoredNotification[] {
  const { startMs, max } = options;
  return registration.replayLog
    // Every item of the replay log was stamped by the pull that took it.
    .filter((item) => item.deliveryMs! > startMs)
    .sort((a, b) => a.deliveryMs! - b.deliveryMs!)
    .slice(0, max);
}

/** Removing subjects by batch stops their notifications (DOC-MONAPI), so queued ones go too. */
export function dropQueuedFor(registration: SimRegistration, duns: ReadonlySet<string>): void {
  registration.queue = registration.queue.filter((item) =>
    item.duns === null || !duns.has(item.duns)
  );
}
