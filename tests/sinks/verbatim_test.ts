import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { Secret } from "../../src/model/secret.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { parseNotificationPage } from "../../src/dnb/notification_page.ts";
import { rawMembers } from "../../src/model/raw_json.ts";
import { formatFor } from "../../src/sinks/format.ts";
import { rawNotification } from "../../src/sinks/raw_notification.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import { createSqlSink } from "../../src/sinks/sql.ts";
import { postgresTest, startPostgres } from "../helpers/postgres.ts";

// Design.md invariant 7: every format that can hold D&B's notification holds it verbatim. The
// pages are D&B's own recordings (copied from shared/fixtures/dnb byte for byte) plus a SEED
// with a full cmpelk organization, fields no schema of ours knows, exponent numbers and text
// that is markup, CDATA's end and a JSON escape.
const PAGES = [
  "vcr_pull_notifications_MDOJO_CMPTCS_01.json",
  "vcr_replay_notifications_MDOJO_CMPTCS_01.json",
  "pull_page.json",
  "seed_cmpelk_page.json",
];

async function pageBatch(name: string): Promise<Batch> {
  const text = await Deno.readTextFile(new URL(`../fixtures/dnb/${name}`, import.meta.url));
  const reference = JSON.parse(text).inquiryDetail.reference;
  const page = parseNotificationPage(text, { reference, path: "/pull" });
  assert.ok(page.notifications.length > 0, name);
  return { registration: reference, sequence: 3, pulledAt: "2024-03-04T08:15:03.000Z", ...page };
}

function encode(format: "json" | "ndjson" | "xml", batch: Batch): string {
  return new TextDecoder().decode(formatFor(format).encode(batch, { storageType: "local_file" }));
}

/** D&B's members as the envelope names them: only `deliveryTimeStamp` is renamed. */
function envelopeName(name: string): string {
  return name === "deliveryTimeStamp" ? "delivery_timestamp" : name;
}

Deno.test("the shared recordings are the ones the tests read", async () => {
  for (const name of PAGES.slice(0, 2)) {
    const shared = new URL(`../../../shared/fixtures/dnb/${name}`, import.meta.url);
    const original = await Deno.readFile(shared).catch(() => null);
    if (original === null) continue; // A clone without shared/ beside it (CI).
    const copy = await Deno.readFile(new URL(`../fixtures/dnb/${name}`, import.meta.url));
    assert.deepEqual(copy, original, name);
  }
});

for (const name of PAGES) {
  Deno.test(`${name}: json carries every D&B member with D&B's bytes`, async () => {
    const batch = await pageBatch(name);
    const text = encode("json", batch);
    const written = JSON.parse(text).notifications as Record<string, unknown>[];
    batch.notifications.forEach((entry, i) => {
      // Each member's text appears under its envelope key, exactly: no re-serialisation.
      for (const member of rawMembers(entry.raw)!) {
        const line = `"${envelopeName(member.name)}": ${member.raw}`;
        assert.ok(text.includes(line), `${name}: ${line.slice(0, 80)}`);
      }
      const parsed = JSON.parse(entry.raw);
      assert.deepEqual(written[i].organization, parsed.organization);
      assert.deepEqual(written[i].elements, parsed.elements ?? []);
      assert.equal(written[i].id, entry.id);
    });
  });

  Deno.test(`${name}: ndjson lines are D&B's notifications byte for byte`, async () => {
    const batch = await pageBatch(name);
    const lines = encode("ndjson", batch).split("\n");
    assert.equal(lines.pop(), "");
    const oneLine = batch.notifications.every((entry) => !entry.raw.includes("\n"));
    if (oneLine) assert.deepEqual(lines, batch.notifications.map((entry) => entry.raw));
    else {
      // A pretty-printed page loses only the line breaks between tokens.
      lines.forEach((line, i) => {
        assert.deepEqual(JSON.parse(line), JSON.parse(batch.notifications[i].raw));
      });
    }
  });

  Deno.test(`${name}: xml raw_json is D&B's notification byte for byte`, async () => {
    const batch = await pageBatch(name);
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      parseTagValue: false,
      trimValues: false,
      isArray: (tag) => tag === "notification" || tag === "element",
    });
    const document = parser.parse(encode("xml", batch));
    const notifications = document.notifications.notification as Record<string, unknown>[];
    batch.notifications.forEach((entry, i) => {
      assert.equal(notifications[i].raw_json, entry.raw);
      const elements = (notifications[i].element ?? []) as Record<string, string>[];
      const raw = rawNotification(entry).elements;
      elements.forEach((element, position) => {
        if (raw[position].previous !== undefined) {
          assert.equal(element.previous, raw[position].previous);
        }
        if (raw[position].current !== undefined) {
          assert.equal(element.current, raw[position].current);
        }
      });
    });
  });
}

async function assertStoredVerbatim(database: Database): Promise<void> {
  const sink = createSqlSink(database);
  for (const name of PAGES) {
    const batch = await pageBatch(name);
    await sink.deliver(batch);
    for (const entry of batch.notifications) {
      const row = await database.db.selectFrom("notifications").select("raw_json")
        .where("id", "=", entry.id).executeTakeFirstOrThrow();
      assert.equal(row.raw_json, entry.raw, name);
      const elements = await database.db.selectFrom("notification_elements")
        .select(["position", "previous_json", "current_json"])
        .where("notification_id", "=", entry.id).orderBy("position").execute();
      const raw = rawNotification(entry).elements;
      assert.equal(elements.length, raw.length);
      elements.forEach((element, position) => {
        assert.equal(element.previous_json, raw[position].previous ?? null, name);
        assert.equal(element.current_json, raw[position].current ?? null, name);
      });
    }
  }
}

Deno.test("SQLite: raw_json and element values are D&B's text, every recording", async () => {
  const dir = await Deno.makeTempDir({ prefix: "traceone_verbatim_" });
  const database = await openDatabase({
    enabled: true,
    url: new Secret(`sqlite:${dir}/verbatim.db`),
    pool_size: 1,
    migrate_on_start: true,
  });
  try {
    assert.equal((await migrateToLatest(database)).error, null);
    await assertStoredVerbatim(database);
  } finally {
    await database.close();
    await Deno.remove(dir, { recursive: true });
  }
});

postgresTest(
  "PostgreSQL: raw_json and element values are D&B's text, every recording",
  async () => {
    const postgres = await startPostgres();
    try {
      const database = await openDatabase({
        enabled: true,
        url: new Secret(postgres.url),
        pool_size: 2,
        migrate_on_start: true,
      });
      try {
        assert.equal((await migrateToLatest(database)).error, null);
        await assertStoredVerbatim(database);
      } finally {
        await database.close();
      }
    } finally {
      await postgres.stop();
    }
  },
);

Deno.test("a SEED's full organization and unknown fields are kept by every lossless format", async () => {
  const batch = await pageBatch("seed_cmpelk_page.json");
  const seed = batch.notifications[0];
  assert.equal(seed.notification.type, "SEED");
  assert.ok(Object.keys(seed.notification.organization).length >= 29);
  const json = JSON.parse(encode("json", batch)).notifications[0];
  assert.deepEqual(json.organization, JSON.parse(seed.raw).organization);
  assert.deepEqual(json.fileTransferPart, { seedRun: "2024-03-04", sequenceNumber: 1 });
  assert.ok(encode("json", batch).includes('"sequenceNumber":1.0E0'));
  assert.ok(encode("json", batch).includes('"changeReason":{"code":"EMP_UPD","weight":7.50E-1}'));
  assert.ok(encode("ndjson", batch).includes(seed.raw));
  assert.ok(encode("xml", batch).includes('"yearlyRevenue":[{"value":2.2171E7'));
});
