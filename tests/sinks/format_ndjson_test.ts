import assert from "node:assert/strict";
import { compactJson, ndjsonFormat } from "../../src/sinks/format_ndjson.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

function lines(text: string): string[] {
  assert.ok(text.endsWith("\n"), "newline-terminated");
  return text.slice(0, -1).split("\n");
}

Deno.test("ndjson: one line per notification that parses back to what D&B sent", () => {
  const batch = trickyBatch();
  const text = new TextDecoder().decode(ndjsonFormat.encode(batch, { storageType: "local_file" }));
  const written = lines(text);
  assert.equal(written.length, batch.notifications.length);
  written.forEach((line, i) => {
    // As received: the parse adds `elements: []` where D&B sent none; the raw text does not.
    assert.deepEqual(JSON.parse(line), JSON.parse(batch.notifications[i].raw));
  });
  assert.equal(ndjsonFormat.extension, "ndjson");
});

Deno.test("ndjson: a one-line raw notification is written byte for byte", () => {
  const batch = trickyBatch();
  const text = new TextDecoder().decode(ndjsonFormat.encode(batch, { storageType: "local_file" }));
  assert.equal(lines(text)[0], batch.notifications[0].raw);
  assert.match(lines(text)[0], /"current":3\.0251016094E8/);
  assert.match(lines(text)[0], /"vendorExtension":\{"kept":true\}/);
});

Deno.test("ndjson: a multi-line raw notification is compacted, its values untouched", () => {
  const batch = trickyBatch();
  const text = new TextDecoder().decode(ndjsonFormat.encode(batch, { storageType: "local_file" }));
  const second = lines(text)[1];
  assert.ok(batch.notifications[1].raw.includes("\n"));
  assert.ok(!second.includes(' "type"'));
  // The number spellings of the raw text survive the compaction.
  assert.match(second, /"previous":1e-7,"current":-0\.5E\+300/);
  // White space inside strings is kept.
  assert.match(second, /"He said \\"hi\\", then\\nleft; a,b"/);
});

Deno.test("compactJson drops white space between tokens only", () => {
  assert.equal(
    compactJson('{ "a b" : [ 1 ,\r\n 2E3 ] ,\n\t"c\\" d": "x\\\\" }'),
    '{"a b":[1,2E3],"c\\" d":"x\\\\"}',
  );
});

Deno.test("ndjson: an empty batch is an empty file", () => {
  assert.equal(
    ndjsonFormat.encode(trickyBatch({ notifications: [] }), { storageType: "x" }).length,
    0,
  );
});
