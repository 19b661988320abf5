import assert from "node:assert/strict";
import { sql } from "kysely";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DatabaseUnavailableError } from "../../src/db/errors.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import type { Notification } from "../../src/model/payload.ts";
import type { Batch, JournaledNotification } from "../../src/sinks/sink.ts";
import { SinkRejectedError } from "../../src/sinks/sink.ts";
import { createSqlSink, SqlSinkOptionsError } from "../../src/sinks/sql.ts";
import { rebuildCompanyState } from "../../src/sinks/company_state_store.ts";
import { createNotificationStore } from "../../src/db/notification_store.ts";
import {
  assertScenarioState,
  IDS,
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

function dunsFor(index: number): string {
  return String(100_000_000 + index);
}

/**
 * The raw text is written by hand, with spacing and an exponent number that a parse-and-stringify
 * round trip would change, so byte-exact storage is provable.
 */
function rawNotification(index: number): string {
  return `{"type": "${TYPES[index % TYPES.length]}", "organization": {"duns": "${
    dunsFor(index)
  }"},` +
    ` "elements": [` +
    `{"element": "organization.financials[0].yearlyRevenue[0].value", "previous": 3.0251016094E8,` +
    ` "current": 1.5e9, "timestamp": "2024-04-30T08:00:00Z"},` +
    `{"element": "organization.primaryName", "previous": null, "current": "Acme ${index}"},` +
    `{"element": "organization.websiteAddress", "current": [{"url": "www.acme.example", "n": [1, 2.50]}]}` +
    `], "deliveryTimeStamp": "2024-05-01T10:00:${String(index % 60).padStart(2, "0")}Z"}`;
}

function journaled(id: string, raw: string): JournaledNotification {
  return { id, raw, notification: JSON.parse(raw) as Notification };
}

function makeBatch(sequence: number, count: number, registration = REGISTRATION): Batch {
  const notifications: JournaledNotification[] = [];
  for (let index = 0; index < count; index++) {
    notifications.push(journaled(idFor(sequence, index), rawNotification(index)));
  }
  return {
    registration,
    sequence,
    pulledAt: `2024-05-01T10:00:0${sequence % 10}.123Z`,
    notifications,
  };
}

// --- database -----------------------------------------------------------------------------------

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone_sql_sink_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function open(path: string, options: { migrate?: boolean } = {}): Promise<Database> {
  const database = await openDatabase({
    enabled: true,
    url: new Secret(`sqlite:${path}`),
    pool_size: 1,
    migrate_on_start: true,
  });
  if (options.migrate ?? true) {
    const report = await migrateToLatest(database);
    assert.equal(report.error, null);
  }
  return database;
}

async function withDatabase(
  run: (database: Database, path: string) => Promise<void>,
  options: { migrate?: boolean } = {},
): Promise<void> {
  await withTempDir(async (dir) => {
    const path = `${dir}/sink.db`;
    const database = await open(path, options);
    try {
      await run(database, path);
    } finally {
      await database.close();
    }
  });
}

async function counts(database: Database): Promise<{ notifications: number; elements: number }> {
  const { rows } = await sql<{ notifications: number; elements: number }>`
    SELECT (SELECT count(*) FROM notifications) AS notifications,
           (SELECT count(*) FROM notification_elements) AS elements
  `.execute(database.db);
  return { ...rows[0] };
}

function fixedClock(iso: string): () => Date {
  return () => new Date(iso);
}

function isUnavailable(error: unknown): error is DatabaseUnavailableError {
  return error instanceof DatabaseUnavailableError && error.code === "SQL_UNAVAILABLE" &&
    error.retryable;
}

// --- tests --------------------------------------------------------------------------------------

Deno.test("deliver stores every notification and element, raw JSON byte for byte", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database, { clock: fixedClock(STORED_AT) });
    const batch = makeBatch(3, 5);
    const receipt = await sink.deliver(batch);
    assert.deepEqual(receipt, { written: 5, location: "notifications table" });
    assert.deepEqual(await counts(database), { notifications: 5, elements: 15 });

    for (const { id, raw, notification } of batch.notifications) {
      const row = await database.db.selectFrom("notifications").selectAll()
        .where("id", "=", id).executeTakeFirstOrThrow();
      assert.deepEqual({ ...row }, {
        id,
        registration: REGISTRATION,
        duns: notification.organization.duns,
        type: notification.type,
        delivery_timestamp: notification.deliveryTimeStamp,
        pulled_at: batch.pulledAt,
        batch_sequence: 3,
        element_count: 3,
        raw_json: raw,
        stored_at: STORED_AT,
      });
      assert.ok(row.raw_json.includes('"previous": 3.0251016094E8'));

      const elements = await database.db.selectFrom("notification_elements").selectAll()
        .where("notification_id", "=", id).orderBy("position").execute();
      assert.deepEqual(elements.map((element) => element.position), [0, 1, 2]);
      for (const [position, element] of notification.elements.entries()) {
        const stored = elements[position];
        assert.equal(stored.element, element.element);
        assert.equal(stored.change_timestamp, element.timestamp ?? null);
        for (const key of ["previous", "current"] as const) {
          const text = stored[`${key}_json`];
          if (element[key] === undefined) assert.equal(text, null);
          else assert.deepEqual(JSON.parse(text!), element[key]);
        }
      }
      // Absent and JSON null stay distinct; an element without a timestamp has NULL.
      assert.equal(elements[1].previous_json, "null");
      assert.equal(elements[2].previous_json, null);
      assert.equal(elements[1].change_timestamp, null);
      assert.equal(JSON.parse(elements[0].previous_json!), 302510160.94);
    }
    const health = sink.health();
    assert.equal(health.status, "healthy");
    assert.equal(health.stored, 5);
    assert.equal(health.errors, 0);
    assert.ok(health.lastWriteAt !== null);
  });
});

Deno.test("re-delivering a batch, or its notifications in a later batch, changes nothing", async () => {
  await withDatabase(async (database) => {
    const batch = makeBatch(1, 20);
    await createSqlSink(database, { clock: fixedClock(STORED_AT) }).deliver(batch);
    const before = await database.db.selectFrom("notifications").selectAll().orderBy("id")
      .execute();

    const later = createSqlSink(database, { clock: fixedClock("2030-01-01T00:00:00.000Z") });
    assert.deepEqual(await later.deliver(batch), { written: 0, location: "notifications table" });
    // Replay overlap: the same notifications arrive again under a new sequence number.
    const replayed = { ...makeBatch(2, 25), notifications: makeBatch(1, 25).notifications };
    assert.equal((await later.deliver(replayed)).written, 5);

    assert.deepEqual(await counts(database), { notifications: 25, elements: 75 });
    const after = await database.db.selectFrom("notifications").selectAll().orderBy("id")
      .where("id", "in", before.map((row) => row.id)).execute();
    assert.deepEqual(after, before);
    assert.equal(later.health().stored, 5);
  });
});

Deno.test("two batches of 1,000 notifications with 3 elements each go in", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    let written = 0;
    for (let sequence = 1; sequence <= 2; sequence++) {
      written += (await sink.deliver(makeBatch(sequence, 1000))).written;
    }
    assert.equal(written, 2000);
    assert.deepEqual(await counts(database), { notifications: 2000, elements: 6000 });
    const perBatch = await database.db.selectFrom("notifications")
      .select(["batch_sequence", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("batch_sequence").orderBy("batch_sequence").execute();
    assert.deepEqual(perBatch.map((row) => ({ ...row })), [
      { batch_sequence: 1, n: 1000 },
      { batch_sequence: 2, n: 1000 },
    ]);
  });
});

Deno.test("the DUNS-history, by-type, batch and element queries use their indexes", async () => {
  await withDatabase(async (database) => {
    await createSqlSink(database).deliver(makeBatch(1, 30));
    const plan = async (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const compiled = query.compile();
      const { rows } = await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${
        sql.raw(compiled.sql.replaceAll("?", "'x'"))
      }`.execute(database.db);
      return rows.map((row) => row.detail).join(" | ");
    };
    const history = database.db.selectFrom("notifications").selectAll()
      .where("duns", "=", dunsFor(4)).orderBy("delivery_timestamp");
    assert.match(await plan(history), /USING INDEX notifications_duns_delivery_idx/);

    const byType = database.db.selectFrom("notifications").select(["id", "delivery_timestamp"])
      .where("type", "=", "UPDATE").where("delivery_timestamp", ">=", "2024-05-01")
      .orderBy("delivery_timestamp");
    assert.match(await plan(byType), /USING INDEX notifications_type_delivery_idx/);

    const batches = database.db.selectFrom("notifications").select("id")
      .where("registration", "=", REGISTRATION).where("batch_sequence", "=", 1);
    assert.match(await plan(batches), /USING INDEX notifications_registration_sequence_idx/);

    const byElement = database.db.selectFrom("notification_elements").select("notification_id")
      .where("element", "=", "organization.primaryName");
    assert.match(
      await plan(byElement),
      /USING (COVERING )?INDEX notification_elements_element_idx/,
    );
  });
});

Deno.test("stored notifications persist after the database is closed and reopened", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/persist/traceone.db`;
    const first = await open(path);
    await createSqlSink(first).deliver(makeBatch(1, 12));
    await first.close();

    const reopened = await open(path);
    try {
      assert.deepEqual(await counts(reopened), { notifications: 12, elements: 36 });
      const raw = await reopened.db.selectFrom("notifications").select("raw_json")
        .where("id", "=", idFor(1, 7)).executeTakeFirstOrThrow();
      assert.equal(raw.raw_json, rawNotification(7));
      assert.equal((await createSqlSink(reopened).deliver(makeBatch(1, 12))).written, 0);
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("rows are chunked by rowsPerStatement and all arrive", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database, { rowsPerStatement: 7 });
    assert.equal((await sink.deliver(makeBatch(1, 50))).written, 50);
    assert.deepEqual(await counts(database), { notifications: 50, elements: 150 });
  });
  for (const rowsPerStatement of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => createSqlSink({} as Database, { rowsPerStatement }),
      (error: unknown) =>
        error instanceof SqlSinkOptionsError && error.code === "SQL_SINK_OPTIONS_INVALID",
    );
  }
});

Deno.test("a notification the database refuses is rejected alone; the rest are stored", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    const batch = makeBatch(1, 4);
    // The schema holds ids to 32 characters; this one can never be stored.
    const badId = "not-a-notification-id";
    batch.notifications[2] = journaled(badId, rawNotification(2));

    for (let attempt = 1; attempt <= 2; attempt++) {
      await assert.rejects(sink.deliver(batch), (error: unknown) => {
        assert.ok(error instanceof SinkRejectedError);
        assert.equal(error.sink, "database_storage");
        assert.deepEqual(error.rejected.map((rejected) => rejected.id), [badId]);
        assert.match(error.rejected[0].reason, /CHECK constraint failed/);
        return true;
      });
      assert.deepEqual(await counts(database), { notifications: 3, elements: 9 });
    }
    const health = sink.health();
    assert.equal(health.status, "healthy");
    assert.equal(health.stored, 3);
  });
});

Deno.test("a notification whose element is refused is rejected whole", async () => {
  await withDatabase(async (database) => {
    await sql`
      CREATE TRIGGER refuse_marked BEFORE INSERT ON notification_elements
      WHEN NEW.current_json = '"Acme 1"' BEGIN SELECT RAISE(ABORT, 'element refused'); END
    `.execute(database.db);
    const batch = makeBatch(1, 3);
    await assert.rejects(
      createSqlSink(database).deliver(batch),
      (error: unknown) =>
        error instanceof SinkRejectedError &&
        error.rejected.length === 1 && error.rejected[0].id === idFor(1, 1) &&
        /element refused/.test(error.rejected[0].reason),
    );
    const ids = await database.db.selectFrom("notifications").select("id").orderBy("id").execute();
    assert.deepEqual(ids.map((row) => row.id), [idFor(1, 0), idFor(1, 2)]);
    assert.deepEqual(await counts(database), { notifications: 2, elements: 6 });
  });
});

Deno.test("a notification lacking what the columns need is rejected before the database", async () => {
  await withDatabase(async (database) => {
    const batch = makeBatch(1, 3);
    const broken = JSON.parse(rawNotification(0)) as Record<string, unknown>;
    delete broken.organization;
    batch.notifications[0] = {
      ...batch.notifications[0],
      notification: broken as unknown as Notification,
    };
    await assert.rejects(
      createSqlSink(database).deliver(batch),
      (error: unknown) =>
        error instanceof SinkRejectedError && error.rejected.length === 1 &&
        error.rejected[0].id === idFor(1, 0) && /organization\.duns/.test(error.rejected[0].reason),
    );
    assert.deepEqual(await counts(database), { notifications: 2, elements: 6 });
  });
});

Deno.test("an unmigrated database is an outage: SQL_UNAVAILABLE, then recovery", async () => {
  await withDatabase(async (database, path) => {
    const sink = createSqlSink(database);
    const batch = makeBatch(9, 3, "REG_OUTAGE");
    await assert.rejects(sink.deliver(batch), (error: unknown) => {
      assert.ok(isUnavailable(error), String(error));
      assert.match(error.message, /^database_storage: /);
      assert.match(error.message, /batch 9 of registration "REG_OUTAGE"/);
      assert.ok(error.message.includes(`sqlite:${path}`));
      assert.match(error.message, /no such table/);
      assert.match(error.message, /migrated/);
      return true;
    });
    assert.equal(sink.health().status, "degraded");
    assert.equal(sink.health().errors, 1);
    assert.match(sink.health().lastError ?? "", /no such table/);

    assert.equal((await migrateToLatest(database)).error, null);
    assert.equal((await sink.deliver(batch)).written, 3);
    assert.equal(sink.health().status, "healthy");
  }, { migrate: false });
});

Deno.test("an outage part way through a batch commits nothing of it", async () => {
  await withDatabase(async (database) => {
    await sql`DROP TABLE notification_elements`.execute(database.db);
    await assert.rejects(createSqlSink(database).deliver(makeBatch(1, 10)), isUnavailable);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM notifications`
      .execute(database.db);
    assert.equal(rows[0].n, 0);
  });
});

Deno.test("a closed database is an outage, not a rejection", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    await database.close();
    await assert.rejects(sink.deliver(makeBatch(1, 2)), isUnavailable);
  });
});

Deno.test("an aborted delivery stores nothing and is not counted as an outage", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await assert.rejects(
      sink.deliver(makeBatch(1, 5), { signal: controller.signal }),
      /shutting down/,
    );
    assert.deepEqual(await counts(database), { notifications: 0, elements: 0 });
    assert.equal(sink.health().errors, 0);
  });
});

Deno.test("the sink is named database_storage unless told otherwise and borrows the database", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    assert.equal(sink.name, "database_storage");
    assert.equal(createSqlSink(database, { name: "warehouse" }).name, "warehouse");
    assert.deepEqual(await sink.deliver(makeBatch(1, 0)), {
      written: 0,
      location: "notifications table",
    });
    await sink.close();
    // Closing the sink left the database open for its owner.
    assert.deepEqual(await counts(database), { notifications: 0, elements: 0 });
  });
});

// --- company state ------------------------------------------------------------------------------

Deno.test("company state: SEED, UPDATE, DELETE, a late older UPDATE, a replay, TRANSFER", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    const batches = scenarioBatches();
    for (const batch of batches) await sink.deliver(batch);
    await assertScenarioState(database);
    const once = await stateRows(database);

    // Every batch again, and all of them at once: nothing changes.
    for (const batch of batches) await sink.deliver(batch);
    await sink.deliverMany!(batches);
    assert.deepEqual(await stateRows(database), once);

    // The port reads it back.
    const state = await createNotificationStore(database).currentState!(SEED_DUNS);
    assert.equal(state?.status, "deleted");
    assert.equal(state?.last_notification_id, IDS.delete);
    const name = state?.values.find((v) => v.element_path === "organization.primaryName");
    assert.equal(name?.value_json, '"Gorman Mfg"');
    const paths = state!.values.map((v) => v.element_path);
    assert.deepEqual(paths, [...paths].sort());
    assert.equal(await createNotificationStore(database).currentState!("000000001"), null);
  });
});

Deno.test("company state: the batches in reverse order, or in one deliverMany, end the same", async () => {
  await withDatabase(async (database) => {
    for (const batch of scenarioBatches().reverse()) await createSqlSink(database).deliver(batch);
    await assertScenarioState(database);
  });
  await withDatabase(async (database) => {
    await createSqlSink(database).deliverMany!(scenarioBatches());
    await assertScenarioState(database);
  });
});

Deno.test("company state: rebuildCompanyState recomputes it from the notifications", async () => {
  await withDatabase(async (database) => {
    await createSqlSink(database).deliverMany!(scenarioBatches());
    const kept = await stateRows(database);
    // As a database filled before migration 002 is: notifications, but no state.
    await database.db.deleteFrom("company_state").execute();
    await database.db.deleteFrom("companies").execute();
    const report = await rebuildCompanyState(database.db, { pageSize: 2 });
    assert.deepEqual(report, {
      notifications: 7,
      companies: 2,
      paths: kept.paths.length,
    });
    assert.deepEqual(await stateRows(database), kept);
  });
});

Deno.test("company state: a refused notification leaves the state alone", async () => {
  await withDatabase(async (database) => {
    const [first] = scenarioBatches();
    // The schema holds ids to 32 characters: the SEED can never be stored.
    first.notifications[0] = { ...first.notifications[0], id: "not-an-id" };
    await assert.rejects(createSqlSink(database).deliver(first), SinkRejectedError);
    const { paths } = await stateRows(database);
    assert.ok(paths.every((row) => row.notification_id !== "not-an-id"));
    assert.ok(!paths.some((row) => row.element_path === "organization.dunsControlStatus"));
    assert.ok(paths.some((row) => row.notification_id === IDS.pageUpdate));
  });
});

Deno.test("company state: an outage while writing it commits nothing of the batch", async () => {
  await withDatabase(async (database) => {
    await sql`DROP TABLE companies`.execute(database.db);
    await assert.rejects(createSqlSink(database).deliver(scenarioBatches()[0]), isUnavailable);
    assert.deepEqual(await counts(database), { notifications: 0, elements: 0 });
  });
});

Deno.test("company state: the README's query finds the companies whose failure score dropped", async () => {
  await withDatabase(async (database) => {
    await createSqlSink(database).deliverMany!(scenarioBatches());
    const { rows } = await sql<{ duns: string; status: string; was: string; now: string }>`
      SELECT s.duns, c.status, e.previous_json AS was, s.value_json AS now
      FROM company_state s
      JOIN companies c ON c.duns = s.duns
      JOIN notification_elements e
        ON e.notification_id = s.notification_id AND e.element = s.element_path
      WHERE s.element_path = 'organization.dnbAssessment.failureScore.nationalPercentile'
        AND json_type(e.previous_json) IN ('integer', 'real')
        AND json_type(s.value_json) IN ('integer', 'real')
        AND s.value_json + 0 < e.previous_json + 0
      ORDER BY s.changed_at DESC
    `.execute(database.db);
    assert.deepEqual(rows.map((row) => ({ ...row })), [
      { duns: SEED_DUNS, status: "deleted", was: "80", now: "42" },
    ]);
  });
});

Deno.test("company state: a notification already stored is not applied again, whatever its spacing", async () => {
  await withDatabase(async (database) => {
    const sink = createSqlSink(database);
    const [first] = scenarioBatches();
    await sink.deliver(first);
    const before = await stateRows(database);
    // The same ids with other bytes (a replay respaced): the stored state stays as it was.
    const respaced = {
      ...first,
      sequence: 7,
      notifications: first.notifications.map((entry) => ({
        ...entry,
        raw: entry.raw.replaceAll('":', '" :').replaceAll(",", " , "),
      })),
    };
    assert.equal((await sink.deliver(respaced)).written, 0);
    assert.deepEqual(await stateRows(database), before);
  });
});
