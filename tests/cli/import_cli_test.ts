import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { runMain, writeServiceConfig } from "../helpers/cli.ts";
import { listFiles } from "../helpers/files.ts";
import { headerText, sha256Hex, zipBytes } from "../helpers/push_files.ts";

// Underscores in the reference: the name is read from the right.
const REF = "PRD_MKTLNK_STP";
const STAMP = "20170208124948";
const TIME = "2017-02-08T12:49:48.000Z";
const PART = `${REF}_${STAMP}_SEEDFILE_1`;

// A full product record with an exponent number and a field no schema knows, typed SEED.
const FULL = '{"type":"SEED","organization":{"duns":"081466849","primaryName":"GORMAN ' +
  'MANUFACTURING COMPANY, INC.","financials":[{"yearlyRevenue":[{"value":3.0251016094E8,' +
  '"currency":"USD"}]}],"numberOfEmployees":[{"value":1.2E1}]},"futureField":{"nested":[1,2.50]}}';
// A seed line as D&B often sends it: no type, and (as every push line) no delivery stamp.
const UNTYPED = '{"organization":{"duns":"268909075","primaryName":"DUNDER MIFFLIN"}}';
const INVALID = "not JSON {";
const UPDATE = '{"type":"UPDATE","organization":{"duns":"804735132"},"elements":[{"element":' +
  '"organization.primaryName","previous":"A","current":"B","timestamp":"2017-02-07T10:00:00Z"}]}';

const STAMPED = `"deliveryTimeStamp":"${TIME}"`;
/** What the journal and every sink must hold: the lines with their members spliced in first. */
const COMPLETED = new Map([
  ["081466849", `{${STAMPED},${FULL.slice(1)}`],
  ["268909075", `{"type":"SEED",${STAMPED},${UNTYPED.slice(1)}`],
  ["804735132", `{${STAMPED},${UPDATE.slice(1)}`],
]);

function seedZip(): Uint8Array {
  return zipBytes([
    // CRLF endings, a blank line and a last line without an ending.
    { name: `${PART}.txt`, content: `${FULL}\r\n${UNTYPED}\r\n\r\n${INVALID}\r\n${UPDATE}` },
    // An entry that is no .txt, with a name that would clear a terminal.
    { name: "notes\u001b[2J.pdf", content: "%PDF" },
  ], { streamed: true });
}

async function withImportCli(
  work: (cli: (...args: string[]) => ReturnType<typeof runMain>, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone-import-" });
  try {
    // No D&B and no simulator: importing a file never calls the API (port 9 is discard).
    const config = await writeServiceConfig(dir, {
      simulatorUrl: "http://127.0.0.1:9",
      clientId: "import-cli",
      clientSecret: "import-cli-secret",
      registrations: [REF],
      monitoring: ["notification_batch_size: 2"],
    });
    await work((...args) => runMain([...args, "--config", config], { cwd: dir }), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface Row {
  id: string;
  registration: string;
  duns: string;
  type: string;
  delivery_timestamp: string;
  batch_sequence: number;
  raw_json: string;
}

function rows(dir: string): Row[] {
  const db = new DatabaseSync(`${dir}/traceone.db`);
  try {
    return db.prepare(
      "SELECT id, registration, duns, type, delivery_timestamp, batch_sequence, raw_json " +
        "FROM notifications ORDER BY batch_sequence, duns",
    ).all() as unknown as Row[];
  } finally {
    db.close();
  }
}

async function journalBatches(dir: string): Promise<{ source: string; count: number }[]> {
  const kv = await Deno.openKv(`${dir}/state.kv`);
  try {
    const headers: { source: string; count: number }[] = [];
    for await (
      const entry of kv.list<{ source: string; count: number }>({ prefix: ["journal", "batch"] })
    ) headers.push({ source: entry.value.source, count: entry.value.count });
    return headers;
  } finally {
    kv.close();
  }
}

Deno.test("import: a seed file's lines, completed, reach the journal, the files and SQLite byte for byte; again, only duplicates", async () => {
  await withImportCli(async (cli, dir) => {
    const zip = `${dir}/${PART}.zip`;
    const bytes = seedZip();
    await Deno.writeFile(zip, bytes);
    const header = `${dir}/${REF}_20170208124947_SEEDFILE_HEADER.json`;
    await Deno.writeTextFile(
      header,
      headerText(REF, [{ name: `${PART}.zip`, hash: await sha256Hex(bytes) }]),
    );

    const first = await cli("import", zip, header);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const lines = first.stdout.split("\n");
    assert.ok(
      lines.includes(`${zip}: 3 journaled, 0 duplicates, 1 dead-lettered (batches 1..2)`),
      first.stdout,
    );
    assert.match(first.stdout, /^local_storage: current$/m);
    assert.match(first.stdout, /^database_storage: current$/m);
    assert.doesNotMatch(first.stderr, /listed in no header/, "the header covered it");
    // The entry's name is shown, its control characters escaped, never sent to the terminal.
    assert.ok(first.stderr.includes("skipped notes\\u001b[2J.pdf (not a .txt)"), first.stderr);
    assert.ok(!first.stderr.includes("\u001b"), "no raw ESC on the terminal");

    const stored = rows(dir);
    assert.deepEqual(stored.map((r) => [r.duns, r.type, r.batch_sequence]), [
      ["081466849", "SEED", 1],
      ["268909075", "SEED", 1],
      ["804735132", "UPDATE", 2],
    ]);
    for (const row of stored) {
      assert.equal(row.registration, REF);
      assert.equal(row.delivery_timestamp, TIME, "the time from the file name");
      assert.equal(row.raw_json, COMPLETED.get(row.duns), `raw_json of ${row.duns}`);
    }
    assert.deepEqual(await journalBatches(dir), [
      { source: "push_file", count: 2 },
      { source: "push_file", count: 1 },
    ]);

    const files = await listFiles(`${dir}/notifications`);
    assert.equal(files.length, 2, files.join("\n"));
    const text = (await Promise.all(files.map((f) => Deno.readTextFile(f)))).join("\n");
    assert.ok(text.includes('"value":3.0251016094E8'), "the number as D&B spelled it");
    assert.ok(text.includes('"futureField": {"nested":[1,2.50]}'), "the unknown field, verbatim");
    assert.ok(text.includes('"primaryName":"DUNDER MIFFLIN"'));

    const letters = await cli("deadletters", "list");
    const key = /^(validation\/[0-9a-f]{32})\s.*PRD_MKTLNK_STP\s+not JSON/m.exec(letters.stdout)
      ?.[1];
    assert.ok(key, letters.stdout);
    const shown = await cli("deadletters", "show", key);
    assert.ok(shown.stdout.split("\n").includes(INVALID), "the raw bytes of the invalid line");

    // The same file again: the same ids, so every line is a duplicate and nothing is new.
    const again = await cli("import", zip, header);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(
      again.stdout.split("\n").includes(
        `${zip}: 0 journaled, 3 duplicates, 1 dead-lettered (no new batch)`,
      ),
      again.stdout,
    );
    assert.equal(rows(dir).length, 3);
    assert.equal((await journalBatches(dir)).length, 2);
    const lettersAgain = await cli("deadletters", "list");
    assert.equal(lettersAgain.stdout.match(/^validation\//gm)?.length, 1, "one dead letter still");
  });
});

Deno.test("import: a wrong header hash, a bad name or a header alone journal nothing; exit 1 or 2", async () => {
  await withImportCli(async (cli, dir) => {
    const zip = `${dir}/${PART}.zip`;
    await Deno.writeFile(zip, seedZip());
    const header = `${dir}/${REF}_20170208124947_SEEDFILE_HEADER.json`;
    const wrong = "0".repeat(64);
    await Deno.writeTextFile(header, headerText(REF, [{ name: `${PART}.zip`, hash: wrong }]));
    const renamed = `${dir}/seed\u001b[31m.zip`;
    await Deno.copyFile(zip, renamed);

    const refused = await cli("import", header, zip, renamed);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    const err = refused.stderr.split("\n");
    assert.ok(
      err.some((line) =>
        line.startsWith(`${zip}: failed: SHA-256 is `) &&
        line.includes(`its header says ${wrong}; nothing of it was journaled`) &&
        line.endsWith("[PUSH_FILE_HASH]")
      ),
      refused.stderr,
    );
    assert.ok(
      err.some((line) =>
        line.startsWith(`${dir}/seed\\u001b[31m.zip: failed: the name does not match`) &&
        line.endsWith("[PUSH_FILE_NAME]")
      ),
      refused.stderr,
    );
    assert.ok(!refused.stderr.includes("\u001b"), "no raw ESC on the terminal");
    assert.doesNotMatch(refused.stderr, /at .*\.ts:\d+/, "no stack trace");
    assert.deepEqual(rows(dir), []);
    assert.deepEqual(await journalBatches(dir), []);

    // Without the header the same file goes in, with a warning that nothing checked it.
    const unchecked = await cli("import", zip);
    assert.equal(unchecked.code, 0, unchecked.stderr);
    assert.match(unchecked.stderr, /warning: .*SEEDFILE_1\.zip: listed in no header given/);
    assert.match(unchecked.stdout, /3 journaled, 0 duplicates, 1 dead-lettered \(batches 1\.\.2\)/);

    // --registration journals the same lines under another reference: new ids, new rows.
    const moved = await cli("import", "--registration", "OTHER_REF", zip);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /3 journaled, 0 duplicates, 1 dead-lettered \(batches 1\.\.2\)/);
    assert.deepEqual(
      [...new Set(rows(dir).map((r) => r.registration))].sort(),
      ["OTHER_REF", REF],
    );

    // A header that cannot be read stops everything: which parts it would check is unknown.
    const broken = `${dir}/${REF}_20170208124947_NOTIFICATION_HEADER.json`;
    await Deno.writeTextFile(broken, '{"fileHeader":{"headerType":"NOTIFICATION"}}');
    const stopped = await cli("import", zip, broken);
    assert.equal(stopped.code, 1, stopped.stdout);
    assert.match(
      stopped.stderr,
      /NOTIFICATION_HEADER\.json: failed: fileHeader\.reference: expected/,
    );
    assert.match(stopped.stderr, /^nothing imported: each header given must be readable/m);
    assert.doesNotMatch(stopped.stdout, /journaled/);

    const unknown = await cli("import", "--frobnicate", zip);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /unknown option '--frobnicate'/);
    const headerOnly = await cli("import", header);
    assert.equal(headerOnly.code, 2, headerOnly.stderr);
    assert.match(headerOnly.stderr, /no push zip given/);
  });
});

Deno.test("import: a seed file of more batches than the journal keeps in memory reaches SQLite whole", async () => {
  await withImportCli(async (cli, dir) => {
    // Seed lines have no elements; batches past the journal's cache are read back from KV.
    const lines = Array.from(
      { length: 90 },
      (_, i) => `{"organization":{"duns":"${String(100_000_000 + i)}","n":${i}.0E1}}`,
    );
    const zip = `${dir}/${PART}.zip`;
    await Deno.writeFile(zip, zipBytes([{ name: `${PART}.txt`, content: lines.join("\n") }]));
    const imported = await cli("import", zip);
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);
    assert.match(
      imported.stdout,
      /90 journaled, 0 duplicates, 0 dead-lettered \(batches 1\.\.45\)/,
    );
    assert.match(imported.stdout, /^database_storage: current$/m);
    const stored = rows(dir);
    assert.equal(stored.length, 90);
    assert.ok(stored.every((row) => row.type === "SEED" && row.delivery_timestamp === TIME));
    assert.equal((await listFiles(`${dir}/notifications`)).length, 45);

    // A part cut short: what was read whole is journaled, the file is reported failed.
    const noise = Array.from({ length: 1200 }, (_, i) => {
      const hex = [...crypto.getRandomValues(new Uint8Array(50))]
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      return `{"organization":{"duns":"${String(200_000_000 + i)}"},"noise":"${hex}"}`;
    });
    const part2 = `${REF}_${STAMP}_SEEDFILE_2`;
    const whole = zipBytes([{ name: `${part2}.txt`, content: noise.join("\n") }]);
    const cut = `${dir}/${part2}.zip`;
    await Deno.writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const failed = await cli("import", cut);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    const line = failed.stderr.split("\n").find((l) => l.startsWith(`${cut}: `)) ?? "";
    const partial =
      /^\S+: (\d+) journaled, 0 duplicates, 0 dead-lettered \(batches 46\.\.\d+\), then failed: .*\[ZIP_UNREADABLE\]; importing it again journals only what is missing$/
        .exec(line);
    assert.ok(partial, failed.stderr);
    const journaledBeforeCut = Number(partial[1]);
    assert.ok(journaledBeforeCut > 100, line);
    assert.equal(rows(dir).length, 90 + journaledBeforeCut);
  });
});

Deno.test("import: a line that is not valid UTF-8 is dead-lettered naming the byte, never stored with U+FFFD; the rest is journaled", async () => {
  await withImportCli(async (cli, dir) => {
    const zip = `${dir}/${PART}.zip`;
    const encoder = new TextEncoder();
    const broken = FULL.replace("GORMAN", "GORMAN \u0000").split("\u0000");
    const content = new Uint8Array([
      ...encoder.encode(broken[0]),
      0xc3, // a lead byte with no continuation
      ...encoder.encode(`${broken[1]}\n${UPDATE}\n`),
    ]);
    await Deno.writeFile(zip, zipBytes([{ name: `${PART}.txt`, content }]));
    const result = await cli("import", zip);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /: 1 journaled, 0 duplicates, 1 dead-lettered/);
    assert.deepEqual(rows(dir).map((r) => r.duns), ["804735132"]);
    const letters = await cli("deadletters", "list");
    assert.match(letters.stdout, /not valid UTF-8 at byte \d+ of the line/);
  });
});
