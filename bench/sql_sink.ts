/**
 * Measures the SQL sink: notifications per second stored into PostgreSQL (a private cluster on
 * loopback, fsync on, as in production) and into SQLite (WAL, synchronous=FULL) for the same
 * batches, one transaction per batch, multi-row INSERT … ON CONFLICT DO NOTHING. Also times a
 * re-delivery of every batch, which must insert nothing.
 *
 *   deno run -A bench/sql_sink.ts [--batches 100] [--size 100] [--elements 3] [--pool 4]
 *     [--fsync off]   (PostgreSQL without waiting for the disk: separates disk from driver cost)
 *
 * Needs PostgreSQL's server binaries (apt-get install postgresql); without them only SQLite is
 * measured. Bounded: each database gets the batches once, then once more.
 */
import { parseArgs } from "node:util";
import { Secret } from "../src/model/secret.ts";
import { type Database, openDatabase } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { notificationId } from "../src/dnb/notification_id.ts";
import type { Notification } from "../src/model/payload.ts";
import type { Batch } from "../src/sinks/sink.ts";
import { createSqlSink } from "../src/sinks/sql.ts";
import { postgresAvailable, startPostgres } from "../tests/helpers/postgres.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    batches: { type: "string", default: "100" },
    size: { type: "string", default: "100" },
    elements: { type: "string", default: "3" },
    pool: { type: "string", default: "4" },
    fsync: { type: "string", default: "on" },
  },
});
const BATCHES = Number(values.batches);
const SIZE = Number(values.size);
const ELEMENTS = Number(values.elements);
const POOL = Number(values.pool);
const FSYNC = values.fsync !== "off";
const REGISTRATION = "BENCH_SQL";

interface Measurement {
  database: string;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  redeliverySeconds: number;
}

function makeBatches(): Batch[] {
  const batches: Batch[] = [];
  for (let sequence = 0; sequence < BATCHES; sequence++) {
    const notifications = [];
    for (let index = 0; index < SIZE; index++) {
      const n = sequence * SIZE + index;
      const notification: Notification = {
        type: "UPDATE",
        organization: { duns: String(100_000_000 + (n % 5000)) },
        elements: Array.from({ length: ELEMENTS }, (_, position) => ({
          element: `organization.field${position}`,
          previous: { value: 3.0251016094e8 + n, currency: "USD", note: `before ${n}` },
          current: { value: 3.1e8 + n, currency: "USD", note: `after ${n}` },
          timestamp: "2026-11-01T10:00:00Z",
        })),
        deliveryTimeStamp: new Date(Date.UTC(2026, 10, 1) + n).toISOString(),
      };
      notifications.push({
        id: notificationId(REGISTRATION, notification),
        raw: JSON.stringify(notification),
        notification,
      });
    }
    batches.push({
      registration: REGISTRATION,
      sequence,
      pulledAt: new Date(Date.UTC(2026, 10, 1) + sequence * 1000).toISOString(),
      notifications,
    });
  }
  return batches;
}

async function measure(label: string, url: string, batches: Batch[]): Promise<Measurement> {
  const database: Database = await openDatabase({
    enabled: true,
    url: new Secret(url),
    pool_size: POOL,
    migrate_on_start: true,
  });
  try {
    const report = await migrateToLatest(database);
    if (report.error) throw report.error;
    const sink = createSqlSink(database);
    const latencies: number[] = [];
    const started = performance.now();
    for (const batch of batches) {
      const before = performance.now();
      const receipt = await sink.deliver(batch);
      latencies.push(performance.now() - before);
      if (receipt.written !== batch.notifications.length) {
        throw new Error(`${label}: batch ${batch.sequence} wrote ${receipt.written}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const again = performance.now();
    for (const batch of batches) {
      const receipt = await sink.deliver(batch);
      if (receipt.written !== 0) throw new Error(`${label}: a re-delivery wrote rows`);
    }
    const redeliverySeconds = (performance.now() - again) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      database: label,
      seconds,
      perSecond: (BATCHES * SIZE) / seconds,
      p50Ms: latencies[Math.floor(latencies.length * 0.5)],
      p95Ms: latencies[Math.floor(latencies.length * 0.95)],
      redeliverySeconds,
    };
  } finally {
    await database.close();
  }
}

const batches = makeBatches();
const results: Measurement[] = [];
const dir = await Deno.makeTempDir({ prefix: "traceone-bench-sql-" });
try {
  results.push(await measure("SQLite (WAL, synchronous=FULL)", `sqlite:${dir}/bench.db`, batches));
  if (postgresAvailable()) {
    const pg = await startPostgres({ durable: FSYNC });
    try {
      const label = `PostgreSQL (loopback, fsync ${FSYNC ? "on" : "off"})`;
      results.push(await measure(label, pg.url, batches));
    } finally {
      await pg.destroy();
    }
  } else {
    console.error("PostgreSQL is not installed (apt-get install postgresql): measured SQLite only");
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

console.log(
  `${BATCHES} batches × ${SIZE} notifications × ${ELEMENTS} elements, one transaction per batch`,
);
for (const result of results) {
  console.log(
    `${result.database.padEnd(34)} ${Math.round(result.perSecond).toString().padStart(7)} ` +
      `notifications/s (${result.seconds.toFixed(2)} s; per batch p50 ` +
      `${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms); ` +
      `re-delivery of all: ${result.redeliverySeconds.toFixed(2)} s`,
  );
}
