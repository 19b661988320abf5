import assert from "node:assert/strict";
import fc from "fast-check";
import { isClosedContainer, rawItems, rawMember, rawMembers } from "../../src/model/raw_json.ts";

Deno.test("members and items are cut exactly as written, white space and escapes kept", () => {
  const text = ` { "a" : 3.0E8 , "b\\"c" : {"x":"]}\\\\"} ,"d":[1, [2] ,"]"], "a": null } `;
  assert.deepEqual(rawMembers(text)?.map((m) => [m.name, m.raw]), [
    ["a", "3.0E8"],
    ['b"c', '{"x":"]}\\\\"}'],
    ["d", '[1, [2] ,"]"]'],
    ["a", "null"],
  ]);
  assert.equal(rawMember(text, "a"), "null", "the last one, as JSON.parse reads it");
  assert.deepEqual(rawItems('[1, [2] ,"]", {}]'), ["1", "[2]", '"]"', "{}"]);
  assert.deepEqual(rawItems("[]"), []);
  assert.deepEqual(rawMembers("{}"), []);
});

Deno.test("a broken text gives null at once, never a loop without progress", () => {
  for (
    const text of [
      '{"notifications":[{"type":"UPDATE"} x{}]}',
      '{"a":1 "b":2}',
      '{"a" 1}',
      "{1:2}",
      '{"a":}',
    ]
  ) {
    const started = performance.now();
    const members = rawMembers(text);
    const items = members?.find((m) => m.name === "notifications");
    const result = items ? rawItems(items.raw) : members;
    assert.equal(result, null, text);
    assert.ok(performance.now() - started < 1_000);
  }
  assert.equal(rawItems("[1 2]"), null);
  assert.equal(rawItems("[,]"), null);
});

Deno.test("on any JSON value the slices parse to what JSON.parse gives", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (object, spaced) => {
      const text = JSON.stringify(object, null, spaced ? 2 : undefined);
      const members = rawMembers(text)!;
      assert.deepEqual(
        Object.fromEntries(members.map((m) => [m.name, JSON.parse(m.raw)])),
        JSON.parse(text),
      );
      assert.ok(isClosedContainer(text));
    }),
    { numRuns: 300 },
  );
});
