/**
 * One scheduled `monitoring.sync` run per registration and cron time, however many instances
 * share the state KV (README, "Several instances on one KV"): each instance's timer fires at the
 * same minute, and the first to claim the run does it. The claim is kept a day, past any run.
 */
const PREFIX = "sync_claim";
const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * True for the one caller that claimed the run of `monitoring.sync[entry]` (for `registration`)
 * scheduled at `at`.
 */
export async function claimScheduledSync(
  kv: Deno.Kv,
  run: { registration: string; entry: number; at: Date; owner: string },
): Promise<boolean> {
  const key = [PREFIX, run.registration, run.entry, run.at.toISOString()];
  const result = await kv.atomic().check({ key, versionstamp: null })
    .set(key, { owner: run.owner, claimedAt: new Date().toISOString() }, { expireIn: KEEP_MS })
    .commit();
  return result.ok;
}
