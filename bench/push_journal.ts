/**
 * Journals the lines of a push file: every line carries the file's time, so all share one
 * delivery second, the worst case of the journal's id index (bucketed by second). Prints the rate
 * of each tenth of the run: a rate that falls as the second fills would mean each batch re-reads
 * what the second holds (quadratic), which is what this guards.
 *
 *   deno run -A --unstable-kv bench/push_journal.ts [--lines 100000] [--batch 50]
 *
 * Bounded by --lines; KV is a temporary file, removed afterwards.
 */
import { parseArgs } from "node:util";
import { Journal } from "../src/pipeline/journal.ts";
import type { Notification } from "../src/model/payload.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    lines: { type: "string", default: "100000" },
    batch: { type: "string", default: "50" },
  },
});
const lines = Number(values.lines);
const batchSize = Number(values.batch);
const dir = await Deno.makeTempDir({ prefix: "traceone_push_bench_" });
const kv = await Deno.openKv(`${dir}/state.kv`);
try {
  const journal = new Journal(kv);
  const tenth = Math.max(batchSize, Math.floor(lines / 10));
  let windowStart = performance.now();
  const started = windowStart;
  for (let at = 0; at < lines; at += batchSize) {
    const notifications = Array.from({ length: Math.min(batchSize, lines - at) }, (_, k) => {
      const n = at + k;
      const raw = `{"type":"SEED","deliveryTimeStamp":"2017-02-08T12:49:48.000Z",` +
        `"organization":{"duns":"${String(100_000_000 + n)}","primaryName":"Company ${n}"}}`;
      return {
        id: n.toString(16).padStart(32, "0"),
        raw,
        notification: JSON.parse(raw) as Notification,
      };
    });
    await journal.append("PUSH_BENCH", {
      notifications,
      pulledAt: new Date(),
      source: "push_file",
    });
    const done = at + notifications.length;
    if (done % tenth === 0 || done === lines) {
      const now = performance.now();
      console.log(
        `${String(done).padStart(8)} lines: ${
          Math.round(tenth / ((now - windowStart) / 1000))
        } lines/s in this tenth`,
      );
      windowStart = now;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`total: ${lines} lines in ${seconds.toFixed(2)} s, ${Math.round(lines / seconds)}/s`);
} finally {
  kv.close();
  await Deno.remove(dir, { recursive: true });
}
