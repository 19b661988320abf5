import assert from "node:assert/strict";
import { CSV_COLUMNS, csvField, csvFormat, formulaSafe } from "../../src/sinks/format_csv.ts";
import { rawNotification } from "../../src/sinks/raw_notification.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

/**
 * A strict RFC 4180 reader: CRLF between records (and after the last), quotes only around a
 * whole field, `""` for a quote inside. Anything else throws, so sloppy output fails the tests.
 */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let at = 0;
  while (at < text.length) {
    let field = "";
    if (text[at] === '"') {
      at++;
      for (;;) {
        if (at >= text.length) throw new Error("unterminated quoted field");
        if (text[at] === '"') {
          if (text[at + 1] === '"') {
            field += '"';
            at += 2;
          } else {
            at++;
            break;
          }
        } else field += text[at++];
      }
    } else {
      while (at < text.length && !",\r\n".includes(text[at])) {
        if (text[at] === '"') throw new Error(`quote inside an unquoted field at ${at}`);
        field += text[at++];
      }
    }
    record.push(field);
    if (text[at] === ",") at++;
    else if (text.startsWith("\r\n", at)) {
      records.push(record);
      record = [];
      at += 2;
    } else throw new Error(`expected , or CRLF at ${at}, got ${JSON.stringify(text[at])}`);
  }
  if (record.length > 0) throw new Error("last record lacks its CRLF");
  return records;
}

function rowsOf(batch: Batch): Record<string, string>[] {
  const [header, ...rows] = readCsv(
    new TextDecoder().decode(csvFormat.encode(batch, { storageType: "local_file" })),
  );
  assert.deepEqual(header, [...CSV_COLUMNS]);
  for (const row of rows) assert.equal(row.length, header.length);
  // What README tells a reader: one leading ' before a formula character is the guard.
  const unguard = (cell: string) =>
    cell.startsWith("'") && /^'*[=+\-@\t\r]/.test(cell.slice(1)) ? cell.slice(1) : cell;
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, unguard(row[i])])));
}

Deno.test("csv: the test reader itself rejects malformed CSV", () => {
  assert.throws(() => readCsv('a,b"c\r\n'), /quote inside/);
  assert.throws(() => readCsv("a,b\n"), /expected , or CRLF/);
  assert.throws(() => readCsv('"a\r\n'), /unterminated/);
  assert.deepEqual(readCsv('"a,""b""\r\n",c\r\n'), [['a,"b"\r\n', "c"]]);
});

Deno.test("csv: fields are quoted exactly when RFC 4180 needs it", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField("a\nb"), '"a\nb"');
  assert.equal(csvField("a\rb"), '"a\rb"');
  assert.equal(csvField(""), "");
});

Deno.test("csv: one row per element that reads back to the batch exactly", () => {
  const batch = trickyBatch();
  const rows = rowsOf(batch);
  const expected: Record<string, string>[] = [];
  for (const entry of batch.notifications) {
    const { id, notification } = entry;
    const written = rawNotification(entry).elements;
    const common = {
      notification_id: id,
      registration: "ACME_PULL_01",
      batch_sequence: "7",
      type: notification.type,
      duns: notification.organization.duns,
      delivery_timestamp: notification.deliveryTimeStamp,
    };
    const elements = notification.elements ?? [];
    if (elements.length === 0) {
      expected.push({
        ...common,
        element_position: "",
        element: "",
        previous: "",
        current: "",
        element_timestamp: "",
      });
    }
    elements.forEach((element, position) => {
      expected.push({
        ...common,
        element_position: String(position),
        element: element.element,
        // D&B's own text of the value, not a re-serialisation.
        previous: "previous" in element ? written[position].previous! : "",
        current: "current" in element ? written[position].current! : "",
        element_timestamp: element.timestamp ?? "",
      });
    });
  }
  assert.deepEqual(rows, expected);
  assert.equal(rows.length, 1 + 7 + 1 + 1);
});

Deno.test("csv: previous/current are JSON text; an empty cell means the key was absent", () => {
  const rows = rowsOf(trickyBatch());
  const values = (row: Record<string, string>) => ({
    previous: row.previous === "" ? undefined : JSON.parse(row.previous),
    current: row.current === "" ? undefined : JSON.parse(row.current),
  });
  assert.deepEqual(values(rows[0]), { previous: 290510160.94, current: 302510160.94 });
  assert.deepEqual([rows[0].previous, rows[0].current], ["2.9051016094E8", "3.0251016094E8"]);
  assert.deepEqual(values(rows[1]), {
    previous: 'He said "hi", then\nleft; a,b',
    current: "Ünïcødé 😀 <&> 'x' \r\n\ttab",
  });
  assert.deepEqual(values(rows[3]), { previous: [], current: { legalForm: 'Corp "A" & <B>' } });
  assert.deepEqual(values(rows[4]), { previous: null, current: [] });
  // A string "null" and a missing `previous` stay apart from a JSON null.
  assert.deepEqual(values(rows[5]), { previous: undefined, current: "null" });
  assert.equal(rows[6].previous, '""');
  assert.equal(rows[7].element, "organization.weird<&>\"'\tpath,x");
  assert.deepEqual(values(rows[7]), { previous: 1e-7, current: -0.5e300 });
});

Deno.test("csv: notifications without elements keep one row with empty element columns", () => {
  const rows = rowsOf(trickyBatch());
  const deleted = rows.filter((row) => row.type === "DELETE");
  assert.equal(deleted.length, 1);
  assert.equal(deleted[0].duns, "268909075");
  assert.equal(deleted[0].element_position, "");
  const unknown = rows.filter((row) => row.type === "SOMETHING_NEW");
  assert.equal(unknown.length, 1);
});

Deno.test("csv: an empty batch is the header alone", () => {
  const text = new TextDecoder().decode(
    csvFormat.encode(trickyBatch({ notifications: [] }), { storageType: "local_file" }),
  );
  assert.equal(text, CSV_COLUMNS.join(",") + "\r\n");
  assert.equal(csvFormat.extension, "csv");
});

Deno.test("cells a spreadsheet would run as a formula get a leading quote (OWASP)", () => {
  assert.deepEqual(
    ['=HYPERLINK("x")', "@SUM(1)", "+1", "-5", "\tx", "\rx", "UPDATE", "'kept", "'=x", ""].map(
      formulaSafe,
    ),
    ['\'=HYPERLINK("x")', "'@SUM(1)", "'+1", "'-5", "'\tx", "'\rx", "UPDATE", "'kept", "''=x", ""],
  );
});

Deno.test("a hostile type and element path reach the file inert", () => {
  const batch: Batch = {
    registration: "R",
    sequence: 1,
    pulledAt: "2026-11-30T10:00:00.000Z",
    notifications: [{
      id: "0".repeat(32),
      raw: "{}",
      notification: {
        type: '=HYPERLINK("http://evil")',
        organization: { duns: "081466849" },
        elements: [{ element: "@SUM(1)", previous: -5, current: 3, timestamp: "+1" }],
        deliveryTimeStamp: "2026-11-30T10:00:00.000Z",
      },
    }],
  };
  const text = new TextDecoder().decode(csvFormat.encode(batch, { storageType: "local_file" }));
  const row = text.split("\r\n")[1];
  assert.ok(row.includes(`"'=HYPERLINK(""http://evil"")"`), row);
  assert.ok(row.includes(",'@SUM(1),'-5,3,'+1"), row);
});
