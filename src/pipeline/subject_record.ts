/**
 * The subjects this service added to each registration and has not removed: the current list
 * `registrations sync` works from when no D&B export is at hand (src/dnb/subject_sync.ts).
 * One KV entry per DUNS, so lists of any length fit.
 */
import { endsMonitoring, instantKey } from "../sinks/company_state.ts";

const PREFIX = "subjects";
/** Mutations per atomic commit (Deno KV allows 1,000). */
const CHUNK = 500;

export async function recordedSubjects(kv: Deno.Kv, reference: string): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const entry of kv.list({ prefix: [PREFIX, reference] })) {
    found.add(String(entry.key[2]));
  }
  return found;
}

/** Records DUNS as added (`present`) or removed. */
export async function recordSubjects(
  kv: Deno.Kv,
  change: { reference: string; duns: readonly string[]; present: boolean; at: string },
): Promise<void> {
  for (let start = 0; start < change.duns.length; start += CHUNK) {
    const chunk = change.duns.slice(start, start + CHUNK);
    const atomic = kv.atomic();
    for (const duns of chunk) {
      const key = [PREFIX, change.reference, duns];
      if (change.present) atomic.set(key, { at: change.at });
      else atomic.delete(key);
    }
    await atomic.commit();
  }
}

/**
 * Forgets the DUNS that a REMOVED or EXIT notification says D&B no longer monitors, so that the
 * next `registrations sync` from the record adds them again if they are still wanted. Only a
 * notification delivered after the DUNS was recorded counts: a replayed old one cannot undo a
 * later add.
 */
export async function forgetEndedSubjects(
  kv: Deno.Kv,
  reference: string,
  notifications: readonly {
    notification: { type: string; organization: { duns: string }; deliveryTimeStamp: string };
  }[],
): Promise<string[]> {
  const forgotten: string[] = [];
  for (const { notification } of notifications) {
    if (!endsMonitoring(notification.type)) continue;
    const key = [PREFIX, reference, notification.organization.duns];
    const entry = await kv.get<{ at: string }>(key);
    if (entry.value === null) continue;
    if (!(instantKey(notification.deliveryTimeStamp) > instantKey(entry.value.at))) continue;
    const result = await kv.atomic().check(entry).delete(key).commit();
    if (result.ok) forgotten.push(notification.organization.duns);
  }
  return forgotten;
}
