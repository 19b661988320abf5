import assert from "node:assert/strict";
import { posix } from "node:path";
import { batchFilePath, BatchLayoutError, safeSegment } from "../../src/sinks/layout.ts";
import type { Batch } from "../../src/sinks/sink.ts";

function batch(overrides: Partial<Batch> = {}): Batch {
  return {
    registration: "company_monitoring_001",
    sequence: 1,
    pulledAt: "2025-09-14T14:30:22.123Z",
    notifications: [],
    ...overrides,
  };
}

const JSON_BY_DATE = { format: "json", compress: false, organizeByDate: true } as const;

Deno.test("layout: the original's date folders and file name, from the pull time in UTC", () => {
  assert.equal(
    batchFilePath(batch(), JSON_BY_DATE),
    "2025/09/14/company_monitoring_001/notifications_20250914_143022_001.json",
  );
  // 23:59:59 at UTC-5 is the next day in UTC, and the folders follow UTC.
  assert.equal(
    batchFilePath(batch({ pulledAt: "2025-12-31T23:59:59.999-05:00" }), JSON_BY_DATE),
    "2026/01/01/company_monitoring_001/notifications_20260101_045959_001.json",
  );
});

Deno.test("layout: each format's extension, .gz appended when compressed", () => {
  const names = (["json", "ndjson", "csv", "xml"] as const).map((format) =>
    posix.basename(batchFilePath(batch(), { format, compress: true, organizeByDate: true }))
  );
  assert.deepEqual(names, [
    "notifications_20250914_143022_001.json.gz",
    "notifications_20250914_143022_001.ndjson.gz",
    "notifications_20250914_143022_001.csv.gz",
    "notifications_20250914_143022_001.xml.gz",
  ]);
});

Deno.test("layout: the sequence is padded to three digits and grows beyond", () => {
  const name = (sequence: number) =>
    posix.basename(batchFilePath(batch({ sequence }), JSON_BY_DATE));
  assert.equal(name(7), "notifications_20250914_143022_007.json");
  assert.equal(name(42), "notifications_20250914_143022_042.json");
  assert.equal(name(999), "notifications_20250914_143022_999.json");
  assert.equal(name(1000), "notifications_20250914_143022_1000.json");
  assert.equal(name(123456), "notifications_20250914_143022_123456.json");
});

Deno.test("layout: organize_by_date false puts the registration folder at the top", () => {
  assert.equal(
    batchFilePath(batch(), { ...JSON_BY_DATE, organizeByDate: false }),
    "company_monitoring_001/notifications_20250914_143022_001.json",
  );
});

Deno.test("layout: hostile registration names cannot leave the base folder", () => {
  const cases: [string, string][] = [
    ["../../etc", ".._.._etc~"],
    ["a/b", "a_b~"],
    ["a\\b", "a_b~"],
    ["", "_~"],
    [".", "_~"],
    ["..", "_~"],
    ["/abs", "_abs~"],
    ["nul\u0000byte", "nul_byte~"],
    ["Ünï code", "_n__code~"],
    ["ok-Name.v2_1", "ok-Name.v2_1"],
    ["...", "..."],
  ];
  for (const [registration, prefix] of cases) {
    const folder = safeSegment(registration);
    if (prefix.endsWith("~")) assert.match(folder, new RegExp(`^${escape(prefix)}[0-9a-f]{12}$`));
    else assert.equal(folder, prefix, registration);
    for (const organizeByDate of [true, false]) {
      const path = batchFilePath(batch({ registration }), { ...JSON_BY_DATE, organizeByDate });
      const segments = path.split("/");
      assert.equal(segments.length, organizeByDate ? 5 : 2, path);
      assert.equal(segments.at(-2), folder, path);
      assert.ok(!segments.some((s) => s === "" || s === "." || s === ".."), path);
      assert.ok(!posix.isAbsolute(path), path);
      assert.ok(posix.join("/base", path).startsWith("/base/"), path);
    }
  }
});

Deno.test("layout: a corrupt pull time or sequence is a typed error naming the registration", () => {
  for (const bad of [batch({ pulledAt: "yesterday" }), batch({ sequence: 1.5 })]) {
    assert.throws(
      () => batchFilePath(bad, JSON_BY_DATE),
      (error) =>
        error instanceof BatchLayoutError && error.code === "BATCH_LAYOUT_INVALID" &&
        error.message.includes("company_monitoring_001"),
    );
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("layout: look-alike references never share a folder; a long one is cut, not refused", () => {
  const references = ["SUPPLIERS/EU", "SUPPLIERS_EU", "SUPPLIERS EU", "SUPPLIERS\\EU", "a_b~x"];
  const folders = references.map(safeSegment);
  assert.equal(new Set(folders).size, references.length, folders.join(" "));
  assert.equal(safeSegment("SUPPLIERS_EU"), "SUPPLIERS_EU", "a name that needs nothing keeps it");
  const long = safeSegment("R".repeat(300));
  assert.ok(long.length <= 113, long);
  assert.notEqual(long, safeSegment("R".repeat(301)));
});
