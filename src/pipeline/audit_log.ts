/**
 * Every change this service made to a registration's subjects: who asked (a command, the
 * scheduled sync), what was added or removed, and whether D&B accepted it. Kept in KV beside the
 * journal and shown in `/status` and on the dashboard. One entry per request batch, with its DUNS
 * (at most 1,000, which fits a KV value).
 */
const PREFIX = "audit";

export interface AuditEntry {
  at: string;
  registration: string;
  /** `sync`: a whole sync that was refused (removal limit, invalid lines), nothing sent. */
  action: "add" | "remove" | "sync";
  /** `sync` (command), `sync (scheduled)`, `add`/`remove` commands. */
  source: string;
  duns: string[];
  outcome: "ok" | "failed";
  /** D&B's answer or the error, already free of secrets. */
  detail: string | null;
}

export async function appendAudit(kv: Deno.Kv, entry: AuditEntry): Promise<void> {
  const key = [PREFIX, entry.at, crypto.randomUUID()];
  await kv.set(key, entry);
}

/** The latest entries, newest first. */
export async function latestAudit(kv: Deno.Kv, options: { limit: number }): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (
    const entry of kv.list<AuditEntry>({ prefix: [PREFIX] }, {
      reverse: true,
      limit: options.limit,
    })
  ) {
    entries.push(entry.value);
  }
  return entries;
}
