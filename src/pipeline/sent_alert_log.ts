/**
 * The alerts sink's record of what it sent (src/sinks/alerts/sent_ids.ts), on the state KV, so
 * that a batch re-delivered after a crash or a replay sends no alert a receiver already has.
 * Entries expire after D&B's replay window and a day, past which nothing can come back.
 */
const PREFIX = "alerts_sent";
const KEEP_MS = 15 * 86_400_000;

export interface KvSentAlertLog {
  has(destination: string, id: string): Promise<boolean>;
  add(destination: string, id: string): Promise<void>;
}

export function kvSentAlertLog(kv: Deno.Kv): KvSentAlertLog {
  return {
    async has(destination, id) {
      return (await kv.get([PREFIX, destination, id])).versionstamp !== null;
    },
    async add(destination, id) {
      await kv.set([PREFIX, destination, id], { at: new Date().toISOString() }, {
        expireIn: KEEP_MS,
      });
    },
  };
}
