import assert from "node:assert/strict";
import type { FileFormat } from "../../src/config/config.ts";
import { formatFor, UnknownFormatError } from "../../src/sinks/format.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

const FORMATS: FileFormat[] = ["json", "ndjson", "csv", "xml"];

Deno.test("the tricky batch holds what the format tests rely on", () => {
  const batch = trickyBatch();
  assert.equal(batch.notifications.length, 4);
  assert.ok(!batch.notifications[0].raw.includes("\n"));
  assert.ok(batch.notifications[1].raw.includes("\n"));
  assert.match(batch.notifications[0].raw, /3\.0251016094E8/);
  assert.equal(batch.notifications[3].notification.type, "SOMETHING_NEW");
});

Deno.test("formatFor gives each configured format its own extension", () => {
  assert.deepEqual(FORMATS.map((name) => formatFor(name).extension), FORMATS);
});

Deno.test("formatFor refuses a format no encoder handles, with a typed error", () => {
  assert.throws(
    () => formatFor("yaml" as FileFormat),
    (error) => error instanceof UnknownFormatError && error.code === "SINK_FORMAT_UNKNOWN",
  );
});

Deno.test("every format encodes the same batch to the same bytes every time", () => {
  for (const name of FORMATS) {
    const first = formatFor(name).encode(trickyBatch(), { storageType: "local_file" });
    const again = formatFor(name).encode(trickyBatch(), { storageType: "local_file" });
    assert.ok(first.length > 0, name);
    assert.deepEqual(again, first, name);
  }
});

Deno.test("every format writes valid UTF-8 that decodes back to the same text", () => {
  for (const name of FORMATS) {
    const bytes = formatFor(name).encode(trickyBatch(), { storageType: "local_file" });
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    assert.deepEqual(new TextEncoder().encode(text), bytes, name);
  }
});
