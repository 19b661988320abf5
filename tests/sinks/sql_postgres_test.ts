import assert from "node:assert/strict";
import { sql } from "kysely";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DatabaseUnavailableError } from "../../src/db/errors.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import type { Notification } from "../../src/model/payload.ts";
import type { Batch, JournaledNotification } from "../../src/sinks/sink.ts";
import { SinkRejectedError } from "../../src/sinks/sink.ts";
import { createSqlSink } from "../../src/sinks/sql.ts";
import { postgresTest, type RunningPostgres, startPostgres } from "../helpers/postgres.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";
import { rebuildCompanyState } from "../../src/sinks/company_state_store.ts";
import { createNotificationStore } from "../../src/db/notification_store.ts";
import {
  assertScenarioState,
  scenarioBatches,
  SEED_DUNS,
  stateRows,
} from "./company_state_scenario.ts";

const REGISTRATION = "TRACE1_UPDATES";
const STORED_AT = "2024-05-01T10:00:05.000Z";
const TYPES = ["UPDATE", "SEED", "DELETE"];

// --- test batches -------------------------------------------------------------------------------

/** 32 hex characters, unique per (sequence, index). */
function idFor(sequence: number, index: number): string {
  return sequence.toString(16).padStart(8, "0") + index.toString(16).padStart(24, "0");
}

/**
 * Hand-written raw text with spacing and exponent numbers that a parse-and-stringify round trip
 * (or jsonb) would change, and element values whose JSON jsonb would rewrite (key order, 2.50).
 */
function rawNotification(sequence: number, index: number): string {
  const duns = String(100_000_000 + (index % 37));
  const second = String(index % 60).padStart(2, "0");
  return `{"type": "${TYPES[index % TYPES.length]}", "organization": {"duns": "${duns}"},` +
    ` "elements": [` +
    `{"element": "organization.financials[0].yearlyRevenue[0].value", "previous": 3.0251016094E8,` +
    ` "current": 1.5e9, "timestamp": "2024-04-30T08:00:00Z"},` +
    `{"element": "organization.primaryName", "previous": null, "current": "Acme ${sequence}/${index}"},` +
    `{"element": "organization.websiteAddress", "current": [{"url": "www.acme.example", "n": [1, 2.50, 1e-7]}]}` +
    `], "deliveryTimeStamp": "2024-05-01T10:${String(sequence % 60).padStart(2, "0")}:${second}Z"}`;
}

function makeBatch(sequence: number, count: number): Batch {
  const notifications: JournaledNotification[] = [];
  for (let index = 0; index < count; index++) {
    const raw = rawNotification(sequence, index);
    notifications.push({
      id: idFor(sequence, index),
      raw,
      notification: JSON.parse(raw) as Notification,
    });
  }
  return {
    registration: REGISTRATION,
    sequence,
    pulledAt: `2024-05-01T10:00:0${sequence % 10}.123Z`,
    notifications,
  };
}

// --- databases ----------------------------------------------------------------------------------

async function open(url: string): Promise<Database> {
  const database = await openDatabase({
    enabled: true,
    url: new Secret(url),
    pool_size: 4,
    migrate_on_start: true,
  });
  const report = await migrateToLatest(database);
  assert.equal(report.error, null, report.error?.message);
  return database;
}

async function withPostgres(
  run: (database: Database, pg: RunningPostgres) => Promise<void>,
): Promise<void> {
  const pg = await startPostgres();
  try {
    const database = await open(pg.url);
    try {
      await run(database, pg);
    } finally {
      await database.close();
    }
  } finally {
    await pg.destroy();
  }
}

async function withSqlite(run: (database: Database) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_sql_pg_" });
  try {
    const database = await open(`sqlite:${dir}/compare.db`);
    try {
      await run(database);
    } finally {
      await database.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Both tables, in a stable order, as plain objects. */
async function dump(database: Database) {
  const notifications = await database.db.selectFrom("notifications").selectAll()
    .orderBy("id").execute();
  const elements = await database.db.selectFrom("notification_elements").selectAll()
    .orderBy("notification_id").orderBy("position").execute();
  return {
    notifications: notifications.map((row) => ({ ...row })),
    elements: elements.map((row) => ({ ...row })),
  };
}

async function counts(database: Database): Promise<{ notifications: number; elements: number }> {
  // count(*) is bigint on PostgreSQL, which pg returns as a string.
  const { rows } = await sql<{ notifications: string; elements: string }>`
    SELECT (SELECT count(*) FROM notifications) AS notifications,
           (SELECT count(*) FROM notification_elements) AS elements
  `.execute(database.db);
  return { notifications: Number(rows[0].notifications), elements: Number(rows[0].elements) };
}

function isUnavailable(error: unknown): error is DatabaseUnavailableError {
  return error instanceof DatabaseUnavailableError && error.code === "SQL_UNAVAILABLE" &&
    error.retryable;
}

function fixedClock(): Date {
  return new Date(STORED_AT);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- tests --------------------------------------------------------------------------------------

postgresTest(
  "PostgreSQL stores a batch exactly as SQLite does: same strings, raw JSON byte for byte",
  async () => {
    const escapes = `{"type": "UPDATE", "organization": {"duns": "123456789"}, "elements": [` +
      `{"element": "organization.note", "previous": "nul \\u0000 lone \\ud800 end",` +
      ` "current": {"z": 1, "a": -0.5E+300}}], "deliveryTimeStamp": "2024-05-01T11:00:00Z"}`;
    const escapesBatch: Batch = {
      registration: REGISTRATION,
      sequence: 2,
      pulledAt: "2024-05-01T11:00:01.000Z",
      notifications: [{
        id: idFor(2, 0),
        raw: escapes,
        notification: JSON.parse(escapes) as Notification,
      }],
    };
    const batches = [makeBatch(1, 25), escapesBatch, trickyBatch()];
    const stored: Awaited<ReturnType<typeof dump>>[] = [];
    for (const withDatabase of [withSqlite, withPostgres]) {
      await withDatabase(async (database) => {
        const sink = createSqlSink(database, { clock: fixedClock });
        assert.equal((await sink.deliver(batches[0])).written, 25);
        assert.equal((await sink.deliver(batches[1])).written, 1);
        // A null element timestamp is valid D&B data: stored, its change_timestamp NULL.
        assert.equal((await sink.deliver(batches[2])).written, trickyBatch().notifications.length);
        stored.push(await dump(database));
      });
    }
    const [sqlite, postgres] = stored;
    assert.equal(postgres.notifications.length, 26 + trickyBatch().notifications.length);
    assert.deepEqual(postgres, sqlite);

    const raw = new Map(batches.flatMap((batch) => batch.notifications.map((n) => [n.id, n.raw])));
    for (const row of postgres.notifications) assert.equal(row.raw_json, raw.get(row.id));
    assert.ok(postgres.notifications.some((row) => row.raw_json.includes("3.0251016094E8")));
    const website = postgres.elements.find((row) => row.element === "organization.websiteAddress");
    assert.equal(website?.previous_json, null, "an absent key stays NULL");
    assert.equal(website?.current_json, '[{"url": "www.acme.example", "n": [1, 2.50, 1e-7]}]');
    const name = postgres.elements.find((row) => row.element === "organization.primaryName");
    assert.equal(name?.previous_json, "null", "JSON null stays the text null");
    // What jsonb would refuse (\u0000, a lone surrogate) or rewrite (key order, the exponent).
    const note = postgres.elements.find((row) =>
      row.element === "organization.note" && row.notification_id === idFor(2, 0)
    );
    assert.equal(note?.previous_json, '"nul \\u0000 lone \\ud800 end"');
    assert.equal(note?.current_json, '{"z": 1, "a": -0.5E+300}');
  },
);

postgresTest(
  "20 batches × 100 notifications are stored once; re-delivering them inserts nothing",
  async () => {
    await withPostgres(async (database) => {
      const sink = createSqlSink(database);
      const batches = Array.from({ length: 20 }, (_, sequence) => makeBatch(sequence, 100));
      for (const batch of batches) {
        assert.equal((await sink.deliver(batch)).written, 100);
      }
      assert.deepEqual(await counts(database), { notifications: 2000, elements: 6000 });
      const before = await dump(database);

      for (const batch of batches) {
        assert.equal((await sink.deliver(batch)).written, 0);
      }
      assert.equal((await sink.deliverMany!(batches.slice(0, 5))).written, 0);
      assert.deepEqual(await dump(database), before, "a re-delivery changes no row, not stored_at");
      assert.equal(sink.health().status, "healthy");
    });
  },
);

postgresTest("deliverMany stores several batches in one transaction", async () => {
  await withPostgres(async (database) => {
    const sink = createSqlSink(database);
    const receipt = await sink.deliverMany!([makeBatch(1, 50), makeBatch(2, 50)]);
    assert.equal(receipt.written, 100);
    assert.deepEqual(await counts(database), { notifications: 100, elements: 300 });
  });
});

postgresTest("a value PostgreSQL refuses (NUL in text) costs only its notification", async () => {
  await withPostgres(async (database) => {
    const sink = createSqlSink(database);
    const batch = makeBatch(4, 10);
    const bad = batch.notifications[3];
    bad.notification.elements[0].element = "organization.bad\u0000path";
    const error = await sink.deliver(batch).then(() => null, (caught) => caught);
    assert.ok(error instanceof SinkRejectedError, String(error));
    assert.deepEqual(error.rejected.map((entry) => entry.id), [bad.id]);
    assert.match(error.rejected[0].reason, /0x00|invalid byte sequence/);
    assert.deepEqual(await counts(database), { notifications: 9, elements: 27 });
  });
});

postgresTest("a connection lost in the middle of a batch rolls the batch back", async () => {
  await withPostgres(async (database, pg) => {
    const sink = createSqlSink(database);
    const blocker = await open(pg.url);
    let error: unknown = null;
    try {
      // Another session holds the elements table, so the sink's transaction stops after its
      // notifications rows, inside the transaction, until the server goes away.
      const trx = await blocker.db.startTransaction().execute();
      await sql`LOCK TABLE notification_elements IN ACCESS EXCLUSIVE MODE`.execute(trx);
      const delivery = sink.deliver(makeBatch(6, 100)).then(() => null, (caught) => caught);
      await waitFor(async () => {
        const { rows } = await sql<{ waiting: string }>`
          SELECT count(*) AS waiting FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE 'insert into "notification_elements"%'
        `.execute(blocker.db);
        return rows[0].waiting === "1";
      }, "the sink's INSERT waits for the lock");
      await pg.stop();
      error = await delivery;
      await trx.rollback().execute().catch(() => {});
    } finally {
      await blocker.close();
    }
    assert.ok(isUnavailable(error), String(error));
    assert.match(error.message, /nothing of the batch was committed/);
    assert.ok(!error.message.includes(pg.password));
    assert.ok(!error.message.includes(encodeURIComponent(pg.password)));
    assert.equal(sink.health().status === "healthy", false);

    await pg.restart();
    assert.deepEqual(await counts(database), { notifications: 0, elements: 0 });
    assert.equal((await sink.deliver(makeBatch(6, 100))).written, 100);
  });
});

postgresTest(
  "PostgreSQL stopped mid-run: deliveries fail retryably, then the same sink stores every id once",
  async () => {
    await withPostgres(async (database, pg) => {
      const sink = createSqlSink(database);
      const total = 30;
      const batches = Array.from({ length: total }, (_, sequence) => makeBatch(sequence, 100));
      let delivered = 0;
      const failures: unknown[] = [];
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => resume = resolve);

      // The pipeline's way: each batch is retried until it is stored, in order.
      const run = (async () => {
        for (const batch of batches) {
          for (let attempt = 1;; attempt++) {
            assert.ok(attempt <= 200, `batch ${batch.sequence} never stored`);
            try {
              await sink.deliver(batch);
              break;
            } catch (error) {
              failures.push(error);
              // Hold after a few failures, so the database can be inspected before any retry.
              if (failures.length === 3) await resumed;
              else await delay(20);
            }
          }
          delivered++;
        }
      })();

      await waitFor(() => Promise.resolve(delivered >= 5), "five batches delivered");
      await pg.stop();
      await waitFor(() => Promise.resolve(failures.length >= 3), "three failed deliveries");
      await pg.restart();

      // Nothing partial: every batch is there whole or not at all, every notification with all
      // of its elements.
      const { rows: perBatch } = await sql<{ batch_sequence: number; n: string }>`
      SELECT batch_sequence, count(*) AS n FROM notifications GROUP BY batch_sequence
    `.execute(database.db);
      for (const row of perBatch) assert.equal(row.n, "100", `batch ${row.batch_sequence}`);
      const { rows: incomplete } = await sql<{ id: string }>`
      SELECT n.id FROM notifications n
      LEFT JOIN notification_elements e ON e.notification_id = n.id
      GROUP BY n.id, n.element_count HAVING count(e.position) <> n.element_count
    `.execute(database.db);
      assert.deepEqual(incomplete, []);
      assert.ok(perBatch.length >= 5 && perBatch.length < total, `${perBatch.length} batches`);

      resume();
      await run;
      for (const error of failures) {
        assert.ok(isUnavailable(error), String(error));
        assert.ok(!error.message.includes(pg.password));
      }

      const ids = await database.db.selectFrom("notifications").select("id").orderBy("id")
        .execute();
      const expected = batches.flatMap((batch) => batch.notifications.map((n) => n.id)).sort();
      assert.deepEqual(ids.map((row) => row.id), expected, "every id exactly once");
      assert.deepEqual(await counts(database), { notifications: 3000, elements: 9000 });
      assert.equal(sink.health().status, "healthy");
    });
  },
);

/** Polls `condition` every 20 ms for at most 20 s. */
async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(20);
  }
}

postgresTest(
  "company state on PostgreSQL: the scenario, its replays, a rebuild and a query into json",
  async () => {
    await withPostgres(async (database) => {
      const sink = createSqlSink(database);
      const batches = scenarioBatches();
      for (const batch of batches) await sink.deliver(batch);
      await assertScenarioState(database);
      const once = await stateRows(database);
      for (const batch of [...batches].reverse()) await sink.deliver(batch);
      await sink.deliverMany!(batches);
      assert.deepEqual(await stateRows(database), once);

      await database.db.deleteFrom("company_state").execute();
      await database.db.deleteFrom("companies").execute();
      const report = await rebuildCompanyState(database.db, {
        pageSize: 3,
        dialect: "postgres",
      });
      assert.equal(report.notifications, 7);
      assert.deepEqual(await stateRows(database), once);

      const state = await createNotificationStore(database).currentState!(SEED_DUNS);
      assert.equal(state?.status, "deleted");
      // The reader shows the leaves, not an object stored whole beside them.
      const seeded = once.paths.filter((row) => row.duns === SEED_DUNS);
      const hasLeaves = (path: string) =>
        seeded.some((other) => other.element_path.startsWith(`${path}.`));
      assert.deepEqual(
        state!.values.map((v) => v.element_path),
        seeded
          .filter((row) => !(row.value_json?.startsWith("{") && hasLeaves(row.element_path)))
          .map((row) => row.element_path),
      );
      assert.ok(seeded.some((row) => row.element_path === "organization.primaryAddress"));

      const { rows: types } = await sql<{ column_name: string; data_type: string }>`
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = 'company_state' AND column_name = 'value_json'
      `.execute(database.db);
      assert.deepEqual(types.map((row) => ({ ...row })), [
        { column_name: "value_json", data_type: "json" },
      ]);

      // The README's example: companies whose failure score dropped, with their status.
      const { rows: dropped } = await sql<{ duns: string; status: string; was: string }>`
        SELECT s.duns, c.status, e.previous_json::text AS was, s.value_json::text AS now
        FROM company_state s
        JOIN companies c ON c.duns = s.duns
        JOIN notification_elements e
          ON e.notification_id = s.notification_id AND e.element = s.element_path
        WHERE s.element_path = 'organization.dnbAssessment.failureScore.nationalPercentile'
          AND json_typeof(e.previous_json) = 'number' AND json_typeof(s.value_json) = 'number'
          AND (s.value_json::text)::numeric < (e.previous_json::text)::numeric
        ORDER BY s.changed_at DESC
      `.execute(database.db);
      assert.deepEqual(dropped.map((row) => ({ ...row })), [
        { duns: SEED_DUNS, status: "deleted", was: "80", now: "42" },
      ]);
    });
  },
);

postgresTest(
  "company state on PostgreSQL: sinks storing the same companies at once lose nothing",
  async () => {
    await withPostgres(async (database) => {
      // Three registrations watch the same 200 DUNS; their instances store at the same moment.
      // Without the per-company lock, each would read the state before the others committed
      // and write its own companies row over theirs.
      const dunsList = Array.from({ length: 200 }, (_, i) => String(300_000_000 + i));
      const batchOf = (sequence: number, type: string, stamp: string): Batch => ({
        registration: `REG_${sequence}`,
        sequence,
        pulledAt: stamp,
        notifications: dunsList.map((duns, i) => {
          const raw = `{"type": "${type}", "organization": {"duns": "${duns}"}, "elements": [` +
            `{"element": "organization.field${sequence}", "current": ${sequence}}],` +
            ` "deliveryTimeStamp": "${stamp}"}`;
          return { id: idFor(sequence, i), raw, notification: JSON.parse(raw) as Notification };
        }),
      });
      const batches = [
        batchOf(1, "UPDATE", "2024-05-01T10:00:00.000Z"),
        batchOf(2, "UPDATE", "2024-05-01T10:00:01.000Z"),
        batchOf(3, "DELETE", "2024-05-01T10:00:02.000Z"),
      ];
      // Newest first: the older batches, started last, would commit last and win.
      await Promise.all(
        [...batches].reverse().map((batch) =>
          createSqlSink(database, { name: batch.registration }).deliver(batch)
        ),
      );
      const companies = await database.db.selectFrom("companies").selectAll().execute();
      assert.equal(companies.length, dunsList.length);
      for (const company of companies) {
        assert.equal(company.status, "deleted", company.duns);
        assert.equal(company.last_delivery_timestamp, "2024-05-01T10:00:02.000Z", company.duns);
      }
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM company_state`
        .execute(database.db);
      assert.equal(Number(rows[0].n), dunsList.length * 3);
    });
  },
);
