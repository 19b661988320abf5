import assert from "node:assert/strict";
import fc from "fast-check";
import { DnbProtocolError } from "../../src/dnb/errors.ts";
import { canonicalJson, notificationId } from "../../src/dnb/notification_id.ts";
import {
  notificationProblems,
  parseNotificationPage,
  sizeProblems,
} from "../../src/dnb/notification_page.ts";
import { NOTIFICATION_TYPES } from "../../src/model/payload.ts";
import { isClosedContainer, rawArrayElements } from "../../src/model/raw_json.ts";

const fixture = await Deno.readTextFile(new URL("../fixtures/dnb/pull_page.json", import.meta.url));
const where = {
  reference: "ACME_CMPELK_PULL_01",
  path: "/v1/monitoring/registrations/X/notifications",
};

Deno.test("a page with one malformed notification keeps the others and reports that one", () => {
  const page = parseNotificationPage(fixture, where);
  assert.equal(page.transactionID, "rrt-0daa1ee1e57942d41-b-eu-10744-52962362-14");
  assert.deepEqual(page.notifications.map((n) => n.notification.organization.duns), [
    "081466849",
    "268909075",
    "000000017",
  ]);
  assert.equal(page.invalid.length, 1);
  const [bad] = page.invalid;
  assert.equal(bad.index, 2);
  assert.equal(
    bad.reason,
    "organization.duns: expected a 9-digit string, got nothing; deliveryTimeStamp: expected an " +
      "ISO-8601 time, got nothing (found deliveryTimestamp: the S is upper-case)",
  );
  assert.deepEqual(JSON.parse(bad.raw).organization, { name: "no duns here" });
});

Deno.test("raw JSON of each notification is kept byte-exact, exponent numbers included", () => {
  const page = parseNotificationPage(fixture, where);
  const update = page.notifications[0];
  assert.match(update.raw, /"current": 3\.0251016094E8/);
  assert.equal(update.notification.elements[2].current, 302510160.94);
  assert.deepEqual(JSON.parse(update.raw), update.notification);
});

Deno.test("previous/current keep scalars, objects, arrays and nulls; timestamp is optional", () => {
  const [update] = parseNotificationPage(fixture, where).notifications;
  const elements = update.notification.elements;
  assert.deepEqual(elements.map((e) => e.timestamp), [
    "2024-02-22T11:07:46Z",
    "2024-02-22T11:07:46Z",
    undefined,
    "2024-02-23T02:34:56Z",
    undefined,
  ]);
  assert.deepEqual(elements[3].previous, []);
  assert.deepEqual(elements[3].current, { legalForm: "Corporation" });
  assert.equal(elements[4].previous, null);
  assert.deepEqual(update.notification.vendorExtension, { kept: true }, "unknown fields kept");
});

Deno.test("unknown types are kept and flagged; missing elements become an empty list", () => {
  const page = parseNotificationPage(fixture, where);
  const enter = page.notifications[2];
  assert.equal(enter.notification.type, "ENTER");
  assert.equal(enter.knownType, false);
  assert.deepEqual(enter.notification.elements, []);
  assert.equal(page.notifications[1].knownType, true);
});

Deno.test("all nine documented types are known", () => {
  for (const type of NOTIFICATION_TYPES) {
    const body = JSON.stringify({
      notifications: [{
        type,
        organization: { duns: "123456789" },
        elements: [],
        deliveryTimeStamp: "2024-01-01T00:00:00.000Z",
      }],
    });
    const page = parseNotificationPage(body, where);
    assert.equal(page.notifications[0].knownType, true, type);
  }
  assert.equal(NOTIFICATION_TYPES.length, 9);
});

Deno.test("a body that is not a page is a protocol error, not a silent empty page", () => {
  assert.throws(() => parseNotificationPage("<html>", where), DnbProtocolError);
  assert.throws(() => parseNotificationPage('{"notes":[]}', where), /no notifications array/);
});

Deno.test("element-level problems are named with their position", () => {
  assert.deepEqual(
    notificationProblems({
      type: 7,
      organization: { duns: "12345678" },
      deliveryTimeStamp: "2024-01-01T00:00:00Z",
      elements: [{ element: "organization.x" }, "oops", { element: "", previous: 1 }, {
        element: "a",
        timestamp: 5,
      }],
    }),
    [
      "type: expected a non-empty string, got number 7",
      'organization.duns: expected a 9-digit string, got string "12345678"',
      'elements[1]: expected an object, got string "oops"',
      'elements[2].element: expected a JSON path string, got string ""',
      "elements[3].timestamp: expected a string, got number 5",
    ],
  );
  assert.deepEqual(notificationProblems([1]), [
    "notification: expected a JSON object, got an array",
  ]);
});

Deno.test("notification id: same content in any key order gives the same id", () => {
  const a = { type: "UPDATE", organization: { duns: "123456789" }, elements: [] };
  const b = { elements: [], organization: { duns: "123456789" }, type: "UPDATE" };
  assert.equal(notificationId("REF", a), notificationId("REF", b));
  assert.notEqual(notificationId("REF", a), notificationId("OTHER", a));
  assert.match(notificationId("REF", a), /^[0-9a-f]{32}$/);
  assert.equal(
    canonicalJson({ b: [1, { d: null, c: "x" }], a: 1.5e20 }),
    '{"a":150000000000000000000,"b":[1,{"c":"x","d":null}]}',
  );
});

Deno.test("raw slices survive strings with brackets, quotes and escapes", () => {
  const text = '{"a":"]}","notifications":[ {"x":"a\\"]}[{"} , [1,2] ,"s",3.5E2,null ]}';
  assert.deepEqual(rawArrayElements(text, "notifications"), [
    '{"x":"a\\"]}[{"}',
    "[1,2]",
    '"s"',
    "3.5E2",
    "null",
  ]);
  assert.equal(rawArrayElements('{"notifications":{}}', "notifications"), null);
  assert.deepEqual(rawArrayElements('{"notifications":[]}', "notifications"), []);
});

Deno.test("the recorded pull and its replay 24 minutes later give the same ids and raw bytes", async () => {
  const read = (name: string) =>
    Deno.readTextFile(new URL(`../fixtures/dnb/${name}`, import.meta.url));
  const options = { reference: "MDOJO_CMPTCS_01", path: "/notifications" };
  const pulled = parseNotificationPage(
    await read("vcr_pull_notifications_MDOJO_CMPTCS_01.json"),
    options,
  );
  const replayed = parseNotificationPage(
    await read("vcr_replay_notifications_MDOJO_CMPTCS_01.json"),
    options,
  );
  assert.equal(pulled.notifications.length, 1);
  assert.deepEqual(replayed.notifications.map((n) => n.id), pulled.notifications.map((n) => n.id));
  assert.equal(replayed.notifications[0].raw, pulled.notifications[0].raw);
  assert.match(pulled.notifications[0].raw, /3\.0251016094E8/);
  assert.notEqual(replayed.transactionTimestamp, pulled.transactionTimestamp);
});

/** The recursive form canonicalJson had before it became iterative: ids must not change. */
function recursiveCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(recursiveCanonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
    return `{${
      keys.map((key) => `${JSON.stringify(key)}:${recursiveCanonicalJson(record[key])}`).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

Deno.test("property: the iterative canonical JSON is the recursive one, so no id changes", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.equal(canonicalJson(value), recursiveCanonicalJson(value));
    }),
    { numRuns: 500 },
  );
  // Holes and undefined, which JSON.parse never makes but code can.
  // deno-lint-ignore no-sparse-arrays
  for (const value of [[1, , 3], [1, ,], [[undefined]], { a: undefined, b: [undefined] }]) {
    assert.equal(canonicalJson(value), recursiveCanonicalJson(value));
  }
});

Deno.test("a notification nested 6,000 levels deep is dead-lettered alone; its 99 page-mates are kept", () => {
  const good = (i: number) =>
    `{"type":"UPDATE","organization":{"duns":"08146684${i % 10}"},"elements":[{"element":` +
    `"organization.primaryName","previous":"A${i}","current":"B${i}"}],` +
    `"deliveryTimeStamp":"2026-11-30T10:00:00.123Z"}`;
  const deep = '{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[],' +
    `"deliveryTimeStamp":"2026-11-30T10:00:00.123Z","x":${"[".repeat(6000)}${"]".repeat(6000)}}`;
  const items = Array.from({ length: 99 }, (_, i) => good(i));
  items.splice(42, 0, deep);
  const text = `{"transactionDetail":{"transactionID":"rrt-1"},"notifications":[${
    items.join(",")
  }]}`;
  const page = parseNotificationPage(text, { reference: "R", path: "/notifications" });
  assert.equal(page.notifications.length, 99);
  assert.equal(page.invalid.length, 1);
  assert.equal(page.invalid[0].index, 42);
  assert.equal(page.invalid[0].raw, deep, "its raw bytes, for the dead letter");
  assert.match(page.invalid[0].reason, /nested 6001 levels deep, more than the 64/);
  assert.match(page.invalid[0].id, /^[0-9a-f]{32}$/);
});

Deno.test("a page with one notification that is not JSON: that one is invalid, the rest parse", () => {
  const good = (duns: string) =>
    `{"type":"UPDATE","organization":{"duns":"${duns}"},"elements":[],` +
    `"deliveryTimeStamp":"2024-02-25T16:21:07.593Z","n":3.0251016094E8}`;
  const bad = `{"type":"UPDATE","organization":{"duns":"123456789"},"score":NaN,"x":"a]}"}`;
  const text = `{"transactionDetail":{"transactionID":"rrt-1","transactionTimestamp":` +
    `"2024-02-25T16:21:08.000Z","inLanguage":"en-US"},"inquiryDetail":{"reference":"R"},` +
    `"notifications":[${good("081466849")}, ${bad},${good("268909075")}]}`;
  const page = parseNotificationPage(text, { reference: "R", path: "/pull" });
  assert.deepEqual(page.notifications.map((n) => n.raw), [good("081466849"), good("268909075")]);
  assert.equal(page.invalid.length, 1);
  assert.equal(page.invalid[0].raw, bad);
  assert.equal(page.invalid[0].index, 1);
  assert.match(page.invalid[0].reason, /^not JSON: /);
  assert.equal(page.transactionID, "rrt-1");
});

Deno.test("a body cut off is never salvaged: it stays unreadable (an unknown outcome)", () => {
  const whole = `{"notifications":[{"type":"UPDATE","organization":{"duns":"081466849"},` +
    `"deliveryTimeStamp":"2024-02-25T16:21:07.593Z"},{"type":"DELETE","organization":` +
    `{"duns":"268909075"},"deliveryTimeStamp":"2024-02-25T16:21:07.594Z","x":NaN}]}`;
  for (const cut of [whole.length - 1, whole.length - 3, Math.floor(whole.length / 2), 40]) {
    assert.throws(
      () => parseNotificationPage(whole.slice(0, cut), { reference: "R", path: "/pull" }),
      (error) => error instanceof DnbProtocolError && /not JSON/.test(error.message),
      `cut at ${cut}`,
    );
  }
  assert.equal(isClosedContainer(whole), true);
  assert.equal(isClosedContainer(whole + " x"), false);
  assert.equal(isClosedContainer(`{"a":"}"`), false);
  assert.equal(isClosedContainer(`[1,{"b":[2]}] \n`), true);
});

Deno.test("a notification over 1 MiB is refused whole, with its size", () => {
  const big = `{"type":"SEED","organization":{"duns":"081466849"},` +
    `"deliveryTimeStamp":"2024-02-25T16:21:07.593Z","blob":"${"é".repeat(600_000)}"}`;
  const page = parseNotificationPage(`{"notifications":[${big}]}`, { reference: "R", path: "/p" });
  assert.equal(page.notifications.length, 0);
  assert.match(page.invalid[0].reason, /1200\d{3} bytes, more than the 1048576 \(1 MiB\)/);
  assert.deepEqual(sizeProblems(big.slice(0, 1000)), []);
});
