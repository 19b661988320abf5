/**
 * Uploads batches through the object storage sink to an S3-compatible server on loopback
 * (npm s3rver under .tools/, as the tests use) and reports uploads per second two ways: one
 * `deliver` at a time (a sink that keeps up) and `deliverMany` groups of 20 (a sink catching
 * up, as dispatch groups them; the sink PUTs 8 at once).
 *
 *   deno run -A bench/object_storage_upload.ts [--batches 200] [--notifications 50]
 *
 * Needs .tools/node_modules/.bin/s3rver (cd .tools && npm install s3rver@3.7.1). Bounded: each
 * mode uploads the given number of batches once. s3rver writes to disk without fsync, so this
 * measures the sink's request path, not a real store's latency.
 */
import { parseArgs } from "node:util";
import { createObjectStorageSink } from "../src/sinks/object_storage/mod.ts";
import type { Batch } from "../src/sinks/sink.ts";
import { journaled, makeNotification } from "../tests/helpers/notifications.ts";
import {
  S3RVER_NEEDS,
  s3rverAvailable,
  s3rverStorageConfig,
  startS3rver,
} from "../tests/helpers/s3rver.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    batches: { type: "string", default: "200" },
    notifications: { type: "string", default: "50" },
  },
});
const total = Number(values.batches);
const perBatch = Number(values.notifications);
const GROUP = 20;

if (!s3rverAvailable()) {
  console.error(`object storage bench: ${S3RVER_NEEDS}`);
  Deno.exit(1);
}

function batchesFor(prefix: string): Batch[] {
  return Array.from({ length: total }, (_, index) => {
    const registration = `${prefix}_${index % 4}`;
    const notifications = Array.from(
      { length: perBatch },
      (_, n) => makeNotification(index * perBatch + n),
    );
    return {
      registration,
      sequence: Math.floor(index / 4) + 1,
      pulledAt: new Date(Date.UTC(2026, 10, 1, 10, 0, 0) + index * 1000).toISOString(),
      notifications: journaled(registration, notifications),
    };
  });
}

await using server = await startS3rver("bench");
const sink = createObjectStorageSink(s3rverStorageConfig(server, { prefix: "bench", timeout: 30 }));

async function measure(mode: string, upload: (batches: Batch[]) => Promise<void>) {
  const batches = batchesFor(mode.toUpperCase());
  const started = performance.now();
  await upload(batches);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${mode}: ${total} batches of ${perBatch} in ${seconds.toFixed(2)} s = ` +
      `${(total / seconds).toFixed(0)} uploads/s (${(1000 * seconds / total).toFixed(1)} ms each)`,
  );
}

await measure("deliver", async (batches) => {
  for (const batch of batches) await sink.deliver(batch);
});
await measure("deliverMany", async (batches) => {
  // Groups of one registration's consecutive batches, as dispatch hands them over.
  for (let r = 0; r < 4; r++) {
    const mine = batches.filter((batch) => batch.registration.endsWith(`_${r}`));
    for (let start = 0; start < mine.length; start += GROUP) {
      await sink.deliverMany!(mine.slice(start, start + GROUP));
    }
  }
});
await sink.close();
