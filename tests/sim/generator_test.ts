import assert from "node:assert/strict";
import { NOTIFICATION_TYPES } from "../../src/model/payload.ts";
import {
  exponentNumber,
  generateNotificationText,
  pickNotificationType,
} from "../../src/sim/generator.ts";
import { RawNumber, toJsonText } from "../../src/sim/json_text.ts";
import { createRandom } from "../../src/sim/random.ts";

const DELIVERY_MS = Date.parse("2024-02-25T16:21:07.593Z");
const EXPONENT = /[0-9]\.[0-9]+E[0-9]+/;

function updates(seed: number, count: number): string[] {
  const random = createRandom(seed);
  return Array.from(
    { length: count },
    () =>
      generateNotificationText(random, {
        duns: "081466849",
        type: "UPDATE",
        deliveryMs: DELIVERY_MS,
      }),
  );
}

Deno.test("toJsonText writes RawNumber verbatim and everything else as JSON does", () => {
  const text = toJsonText({ a: new RawNumber("3.0251016094E8"), b: [1, null, "x"], c: undefined });
  assert.equal(text, '{"a":3.0251016094E8,"b":[1,null,"x"]}');
  assert.deepEqual(JSON.parse(text), { a: 302510160.94, b: [1, null, "x"] });
  assert.throws(() => new RawNumber("1e"), RangeError);
});

Deno.test("exponentNumber is valid JSON that JSON.stringify would not reproduce", () => {
  const random = createRandom(3);
  for (let i = 0; i < 50; i++) {
    const { text } = exponentNumber(random);
    assert.match(text, /^[1-9]\.[0-9]*[1-9]E[0-9]+$/);
    assert.notEqual(JSON.stringify(JSON.parse(text)), text);
  }
});

Deno.test("every one of the nine types is generated with the documented shape", () => {
  const random = createRandom(1);
  for (const type of NOTIFICATION_TYPES) {
    const text = generateNotificationText(random, {
      duns: "268909075",
      type,
      deliveryMs: DELIVERY_MS,
    });
    const value = JSON.parse(text);
    assert.equal(value.type, type);
    assert.equal(value.organization.duns, "268909075");
    assert.equal(value.deliveryTimeStamp, "2024-02-25T16:21:07.593Z");
    assert.ok(Array.isArray(value.elements));
    if (type === "UPDATE") {
      assert.ok(value.elements.length >= 1 && value.elements.length <= 5);
    } else {
      assert.deepEqual(value.elements, []);
    }
    if (type === "SEED") {
      assert.equal(typeof value.organization.primaryName, "string");
      assert.match(text, EXPONENT);
    } else if (type !== "UPDATE") {
      assert.deepEqual(Object.keys(value.organization), ["duns"]);
    }
  }
});

Deno.test("UPDATE elements carry the awkward real-world cases", () => {
  const texts = updates(7, 200);
  const elements = texts.flatMap((text) => JSON.parse(text).elements);
  assert.ok(elements.some((e) => !("timestamp" in e)), "an element without timestamp");
  assert.ok(elements.some((e) => "timestamp" in e), "an element with timestamp");
  assert.ok(elements.some((e) => Array.isArray(e.previous) && e.previous.length === 0));
  assert.ok(elements.some((e) => Array.isArray(e.current) && e.current.length === 0));
  assert.ok(elements.some((e) => e.current === null));
  assert.ok(elements.some((e) => Array.isArray(e.current) && typeof e.current[0] === "object"));
  assert.ok(
    elements.some((e) =>
      e.current !== null && typeof e.current === "object" && !Array.isArray(e.current)
    ),
  );
  assert.ok(elements.some((e) => typeof e.current === "number"));
  assert.ok(texts.some((text) => EXPONENT.test(text)), "an exponent number in the raw text");
  for (const element of elements) {
    assert.match(element.element, /^organization\./);
    if ("timestamp" in element) {
      assert.match(element.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  }
});

Deno.test("a seed makes the stream reproducible", () => {
  assert.deepEqual(updates(42, 20), updates(42, 20));
  assert.notDeepEqual(updates(42, 20), updates(43, 20));
});

Deno.test("malformed output breaks one structural rule", () => {
  const random = createRandom(11);
  const problems = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const value = JSON.parse(
      generateNotificationText(random, {
        duns: "081466849",
        type: "UPDATE",
        deliveryMs: DELIVERY_MS,
        malformed: true,
      }),
    );
    const broken = [];
    if (typeof value.organization?.duns !== "string") broken.push("missingDuns");
    if (!Array.isArray(value.elements)) broken.push("elementsNotArray");
    if (!("deliveryTimeStamp" in value)) broken.push("missingDeliveryTimeStamp");
    if (typeof value.type !== "string") broken.push("typeNotString");
    assert.equal(broken.length, 1, JSON.stringify(value));
    problems.add(broken[0]);
  }
  assert.equal(problems.size, 4);
});

Deno.test("pickNotificationType favours UPDATE but reaches every type", () => {
  const random = createRandom(5);
  const counts = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const type = pickNotificationType(random);
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  assert.equal(counts.size, NOTIFICATION_TYPES.length);
  assert.ok((counts.get("UPDATE") ?? 0) > 1000);
});
