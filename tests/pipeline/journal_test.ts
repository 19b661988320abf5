import assert from "node:assert/strict";
import { DeadLetters, VALIDATION } from "../../src/pipeline/dead_letters.ts";
import { Journal, JournalConflictError } from "../../src/pipeline/journal.ts";
import { withKv } from "../helpers/kv.ts";
import { journaled, makeNotification } from "../helpers/notifications.ts";

const REF = "REG_J";
const pulledAt = new Date("2026-11-27T08:30:15.123Z");

Deno.test("a journaled batch reads back whole: sequence, pull time, ids and raw bytes", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    const items = journaled(REF, [1, 2, 3].map((n) => makeNotification(n)));
    items[1].raw = items[1].raw.replace('"previous":', '"previous" : ');
    const { batch } = await journal.append(REF, { notifications: items, pulledAt, source: "pull" });
    assert.deepEqual(batch, {
      registration: REF,
      sequence: 1,
      pulledAt: pulledAt.toISOString(),
      count: 3,
      chunks: 1,
      source: "pull",
    });
    const read = await journal.read(REF, 1);
    assert.deepEqual(read, {
      registration: REF,
      sequence: 1,
      pulledAt: pulledAt.toISOString(),
      notifications: items,
    });
    const head = await journal.head(REF);
    assert.equal(head?.lastSequence, 1);
    assert.equal(head?.lastDeliveryTimeStamp, items[2].notification.deliveryTimeStamp);
  });
});

Deno.test("the id index drops notifications already journaled; all-duplicate pages make no batch", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    const first = journaled(REF, [1, 2, 3].map((n) => makeNotification(n)));
    await journal.append(REF, { notifications: first, pulledAt, source: "pull" });
    const overlap = journaled(REF, [2, 3, 4, 4].map((n) => makeNotification(n)));
    const second = await journal.append(REF, {
      notifications: overlap,
      pulledAt,
      source: "replay",
    });
    assert.equal(second.batch?.sequence, 2);
    assert.equal(second.batch?.count, 1);
    assert.equal(second.duplicates, 3);
    const again = await journal.append(REF, { notifications: overlap, pulledAt, source: "replay" });
    assert.deepEqual(again, { batch: null, duplicates: 4 });
    assert.equal((await journal.head(REF))?.lastSequence, 2);
  });
});

Deno.test("ids are per registration: the same content under another registration is new", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    const n = makeNotification(1);
    await journal.append("A", { notifications: journaled("A", [n]), pulledAt, source: "pull" });
    const other = await journal.append("B", {
      notifications: journaled("B", [n]),
      pulledAt,
      source: "pull",
    });
    assert.equal(other.batch?.sequence, 1);
  });
});

Deno.test("big notifications are split across entries and commits and read back byte-exact", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    // 40 × ~150 KB: far over one value (64 KiB) and one commit (800 KiB).
    const items = journaled(
      REF,
      Array.from({ length: 40 }, (_, n) => makeNotification(n, { padding: 150_000 })),
    );
    items[3].raw = items[3].raw.replace("Company 3", "Société «3» 東京");
    items[3].notification = JSON.parse(items[3].raw);
    const { batch } = await journal.append(REF, { notifications: items, pulledAt, source: "pull" });
    assert.equal(batch?.count, 40);
    const read = await journal.read(REF, 1);
    assert.equal(read?.notifications.length, 40);
    for (let i = 0; i < 40; i++) assert.equal(read!.notifications[i].raw, items[i].raw);
  });
});

Deno.test("entries left by an interrupted multi-commit write are invisible and overwritten", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    // What a crash between the chunk commits and the final commit leaves: chunks, no header.
    const stale = (index: number) => ({
      index,
      id: `stale${index}`,
      parts: 1,
      first: new Uint8Array([123, 125]),
    });
    await kv.set(["journal", "chunk", REF, 1, 0], { items: [stale(0), stale(1)] });
    await kv.set(["journal", "chunk", REF, 1, 1], { items: [stale(0), stale(5)] });
    assert.equal(await journal.read(REF, 1), null, "no header: not a batch");
    assert.equal(await journal.head(REF), null);
    const items = journaled(REF, [makeNotification(1), makeNotification(2)]);
    await journal.append(REF, { notifications: items, pulledAt, source: "pull" });
    assert.deepEqual((await journal.read(REF, 1))?.notifications, items);
  });
});

Deno.test("a commit guarded by a lease entry fails when the lease changed", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    await kv.set(["lease", REF], { owner: "a", expiresAt: 1 });
    const guard = await kv.get(["lease", REF]);
    await kv.set(["lease", REF], { owner: "b", expiresAt: 2 });
    await assert.rejects(
      journal.append(REF, {
        notifications: journaled(REF, [makeNotification(1)]),
        pulledAt,
        source: "pull",
        guard,
      }),
      JournalConflictError,
    );
    assert.equal(await journal.head(REF), null, "nothing was journaled");
  });
});

Deno.test("validation dead letters are written with the batch, raw JSON whole", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    const raw = '{"type":"UPDATE","organization":{},"x":' + "1".repeat(100_000) + "}";
    await journal.append(REF, {
      notifications: journaled(REF, [makeNotification(1)]),
      deadLetters: [{
        sink: VALIDATION,
        registration: REF,
        notificationId: "f".repeat(32),
        raw,
        reason: "organization.duns: expected a 9-digit string, got nothing",
        at: pulledAt.toISOString(),
        batchSequence: null,
      }],
      pulledAt,
      source: "pull",
    });
    const letters = new DeadLetters(kv);
    const [summary] = await letters.list();
    assert.equal(summary.key, `validation/${"f".repeat(32)}`);
    assert.equal((await letters.read(summary))?.raw, raw);
    assert.deepEqual(await letters.countBySink(), { validation: 1 });
  });
});

Deno.test("purge removes only batches every sink acknowledged and older than retention", async () => {
  await withKv(async (kv) => {
    const journal = new Journal(kv);
    const old = new Date("2026-11-01T00:00:00Z");
    for (let n = 1; n <= 3; n++) {
      await journal.append(REF, {
        notifications: journaled(REF, [makeNotification(n)]),
        pulledAt: old,
        source: "pull",
      });
    }
    await journal.append(REF, {
      notifications: journaled(REF, [makeNotification(9)]),
      pulledAt,
      source: "pull",
    });
    const purged = await journal.purge({
      before: new Date("2026-11-13T00:00:00Z"),
      acknowledged: () => Promise.resolve(2),
    });
    assert.equal(
      purged,
      2,
      "batch 3 is old but not acknowledged; batch 4 is acknowledged-not yet and new",
    );
    assert.equal(await journal.read(REF, 1), null);
    assert.ok(await journal.read(REF, 3));
    const again = await journal.append(REF, {
      notifications: journaled(REF, [makeNotification(1)]),
      pulledAt,
      source: "replay",
    });
    assert.equal(again.batch?.sequence, 5, "a purged id is new again; the sequence goes on");
    assert.deepEqual(await journal.stats(), {
      batches: 3,
      notifications: 3,
      oldestPulledAt: old.toISOString(),
    });
  });
});

Deno.test("a notification journaled without elements reads back with [] from KV too, raw untouched", async () => {
  await withKv(async (kv) => {
    const raw = '{"type":"SEED","organization":{"duns":"081466849","n":3.0E8},' +
      '"deliveryTimeStamp":"2026-11-27T08:30:00.000Z"}';
    const notification = { ...JSON.parse(raw), elements: [] };
    await new Journal(kv).append(REF, {
      notifications: [{ id: "a".repeat(32), raw, notification }],
      pulledAt,
      source: "push_file",
    });
    // Another instance: nothing remembered, the batch comes from KV.
    const read = await new Journal(kv).read(REF, 1);
    assert.equal(read?.notifications[0].raw, raw);
    assert.deepEqual(read?.notifications[0].notification.elements, []);
  });
});

Deno.test("the index kept after this process's own batch is used only while nobody else appended", async () => {
  await withKv(async (kv) => {
    // Two processes on one KV, all notifications in one delivery second (as a push file's).
    const mine = new Journal(kv);
    const theirs = new Journal(kv);
    const items = journaled(REF, Array.from({ length: 9 }, (_, n) => makeNotification(n)));
    const append = (journal: Journal, from: number, to: number) =>
      journal.append(REF, { notifications: items.slice(from, to), pulledAt, source: "push_file" });
    assert.equal((await append(mine, 0, 3)).batch?.count, 3);
    assert.equal((await append(theirs, 3, 6)).batch?.count, 3);
    // Their batch moved the head: mine must not trust what it kept, or 3..5 would be stored twice.
    const again = await append(mine, 0, 9);
    assert.equal(again.duplicates, 6);
    assert.equal(again.batch?.count, 3);
    // And its own batch just now is known without a read.
    assert.equal((await append(mine, 6, 9)).duplicates, 3);
    const head = await mine.head(REF);
    assert.equal(head?.lastSequence, 3);
  });
});
