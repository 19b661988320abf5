/**
 * Where a command that created or deleted a registration leaves word for a running service on
 * the same state: the service checks this key every few seconds and re-reads the account's list
 * at once, instead of at its next scheduled look.
 */
const CHANGED_KEY: Deno.KvKey = ["registrations", "changed"];

/** Says "the account's registrations changed" to services sharing `kv`. */
export async function markRegistrationsChanged(kv: Deno.Kv): Promise<void> {
  await kv.set(CHANGED_KEY, Date.now());
}

/** When registrations were last said to have changed (ms), or null. */
export async function registrationsChangedAt(kv: Deno.Kv): Promise<number | null> {
  return (await kv.get<number>(CHANGED_KEY)).value;
}

/** What changed between two lists of references, in the order they are listed. */
export function listChanges(
  before: readonly string[],
  after: readonly string[],
): { added: string[]; removed: string[] } {
  const had = new Set(before);
  const has = new Set(after);
  return {
    added: after.filter((reference) => !had.has(reference)),
    removed: before.filter((reference) => !has.has(reference)),
  };
}
