import assert from "node:assert/strict";
import { jsonDiff } from "../../src/http/json_diff.ts";

Deno.test("jsonDiff: members added, removed and changed, nested paths, D&B's spelling kept", () => {
  assert.deepEqual(
    jsonDiff(
      '{"line1": "492 Koller St", "line2": null, "geo": {"lat": 37.7, "lon": -122.4}}',
      '{"line1": "500 Koller St", "geo": {"lat": 37.7, "lon": -1.225E2}, "zip": "94110"}',
    ),
    [
      { path: ".line2", change: "removed", previous: "null", current: null },
      {
        path: ".line1",
        change: "changed",
        previous: '"492 Koller St"',
        current: '"500 Koller St"',
      },
      { path: ".geo.lon", change: "changed", previous: "-122.4", current: "-1.225E2" },
      { path: ".zip", change: "added", previous: null, current: '"94110"' },
    ],
  );
});

Deno.test("jsonDiff: array items matched by value wherever they moved; a changed item by members", () => {
  const previous = '[{"url": "a.example"}, {"url": "b.example", "n": 1}, {"url": "c.example"}]';
  const current = '[{"url": "new.example"}, {"url": "a.example"}, {"url": "b.example", "n": 2}]';
  assert.deepEqual(jsonDiff(previous, current), [
    // b is paired with its old self by the member they share; c is gone; new.example is new.
    { path: "[2].n", change: "changed", previous: "1", current: "2" },
    { path: "[2]", change: "removed", previous: '{"url": "c.example"}', current: null },
    { path: "[0]", change: "added", previous: null, current: '{"url": "new.example"}' },
  ]);
  assert.deepEqual(jsonDiff("[1, 2]", "[1, 3]"), [
    { path: "[1]", change: "removed", previous: "2", current: null },
    { path: "[1]", change: "added", previous: null, current: "3" },
  ]);
  // Plain: one item appended, one changed.
  assert.deepEqual(jsonDiff('[{"v": 120, "r": "Actual"}]', '[{"v": 125, "r": "Actual"}, 7]'), [
    { path: "[0].v", change: "changed", previous: "120", current: "125" },
    { path: "[1]", change: "added", previous: null, current: "7" },
  ]);
  assert.deepEqual(jsonDiff("[1, 2, 3]", "[3, 1, 2]"), []);
});

Deno.test("jsonDiff: against D&B's empty markers everything is added or removed", () => {
  assert.deepEqual(jsonDiff("[]", '[{"name": "Gorman"}, 2]'), [
    { path: "[0]", change: "added", previous: null, current: '{"name": "Gorman"}' },
    { path: "[1]", change: "added", previous: null, current: "2" },
  ]);
  assert.deepEqual(jsonDiff('{"a": 1}', "[]"), [
    { path: ".a", change: "removed", previous: "1", current: null },
  ]);
  assert.deepEqual(jsonDiff(null, '{"a": 1}'), [
    { path: ".a", change: "added", previous: null, current: "1" },
  ]);
  assert.deepEqual(jsonDiff('""', '{"odd key": 1}'), [
    { path: '["odd key"]', change: "added", previous: null, current: "1" },
  ]);
});

Deno.test("jsonDiff: scalars, text that is no JSON, and both sides empty are not structured", () => {
  assert.equal(jsonDiff("120", "135"), null);
  assert.equal(jsonDiff('"a"', '{"a": 1}'), null);
  assert.equal(jsonDiff("{not json", '{"a": 1}'), null);
  assert.equal(jsonDiff("[]", "null"), null);
  assert.equal(jsonDiff(null, null), null);
  // An object become an array: one change of the whole value.
  assert.deepEqual(jsonDiff('{"a": 1}', "[1]"), [
    { path: "", change: "changed", previous: '{"a": 1}', current: "[1]" },
  ]);
  // The same value written differently: no difference.
  assert.deepEqual(jsonDiff('{"a": 1.50, "b": [1]}', '{"b":[1],"a":1.5}'), []);
});
