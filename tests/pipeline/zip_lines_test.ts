import assert from "node:assert/strict";
import { fileSha256, zipLines, ZipReadError } from "../../src/pipeline/zip_lines.ts";
import { UnreadableLine } from "../../src/pipeline/unreadable_line.ts";
import { sha256Hex, zipBytes, type ZipEntry } from "../helpers/push_files.ts";

async function withZip(
  bytes: Uint8Array,
  work: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone-zip-" });
  try {
    const path = `${dir}/R_20170208124948_SEEDFILE_1.zip`;
    await Deno.writeFile(path, bytes);
    await work(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function collect(path: string, skipped: string[] = []): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of zipLines(path, { onSkippedEntry: (name) => skipped.push(name) })) {
    lines.push(typeof line === "string" ? line : `UNREADABLE ${line.reason}`);
  }
  return lines;
}

/** Deterministic lines that barely compress, so the zip spans many reads and inflate calls. */
function noisyLines(count: number): string[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const marks = ["é", "中", "😀", "\\u0000", ""];
  return Array.from({ length: count }, (_, i) => {
    const noise = Array.from({ length: 10 + (next() % 90) }, () => (next() % 36).toString(36));
    return `{"n":${i},"x":"${noise.join("")}${marks[i % marks.length]}"}`;
  });
}

for (const streamed of [false, true]) {
  const how = streamed ? "with data descriptors (a streamed zip)" : "with sizes in the headers";
  Deno.test(`zipLines yields every line of a multi-megabyte .txt ${how}`, async () => {
    const lines = noisyLines(30_000);
    // Mixed endings, blank and white-space lines, and a last line without a newline.
    const text = lines.map((line, i) =>
      i % 3 === 0 ? `${line}\r\n` : i % 101 === 0 ? `${line}\n\n \t\r\n` : `${line}\n`
    ).join("").replace(/\r?\n$/, "");
    const bytes = zipBytes([{ name: "R_20170208124948_SEEDFILE_1.txt", content: text }], {
      streamed,
    });
    assert.ok(bytes.length > 3 * 65_536, `${bytes.length} bytes: several reads of 64 KiB`);
    await withZip(bytes, async (path) => {
      assert.deepEqual(await collect(path), lines);
    });
  });
}

Deno.test("zipLines reads every .txt entry in order and reports what it skipped", async () => {
  const entries: ZipEntry[] = [
    { name: "docs/", content: "" },
    { name: "a.txt", content: '{"a":1}\n{"a":2}' },
    { name: "readme.pdf", content: new Uint8Array(100_000).fill(7) },
    { name: "B.TXT", content: '{"b":1}\r\n' },
    { name: "empty.txt", content: "" },
  ];
  await withZip(zipBytes(entries), async (path) => {
    const skipped: string[] = [];
    assert.deepEqual(await collect(path, skipped), ['{"a":1}', '{"a":2}', '{"b":1}']);
    assert.deepEqual(skipped, ["readme.pdf"]);
  });
});

Deno.test("zipLines keeps a line's bytes: no trimming inside, UTF-8 whole, a BOM dropped", async () => {
  const line = '  {"name":"Ünïcødé 中文 😀","n":3.0251016094E8}\t';
  await withZip(
    zipBytes([{ name: "x.txt", content: `\uFEFF${line}\n` }], { streamed: true }),
    async (path) => {
      assert.deepEqual(await collect(path), [line]);
    },
  );
});

async function refused(path: string, reason: RegExp): Promise<void> {
  await assert.rejects(collect(path), (error: unknown) => {
    assert.ok(error instanceof ZipReadError, String(error));
    assert.equal(error.code, "ZIP_UNREADABLE");
    assert.equal(error.path, path);
    assert.match(error.message, reason);
    assert.match(error.message, /fetch the file again from D&B/);
    return true;
  });
}

Deno.test("zipLines refuses what is no zip, a zip without .txt, and a missing file", async () => {
  await withZip(new TextEncoder().encode('{"type":"SEED"}\n'.repeat(1000)), async (path) => {
    await refused(path, /holds no \.txt entry/);
  });
  await withZip(zipBytes([{ name: "data.json", content: "{}" }]), async (path) => {
    await refused(path, /holds no \.txt entry/);
  });
  await refused("/nonexistent/R_20170208124948_SEEDFILE_1.zip", /cannot open/);
});

Deno.test("zipLines refuses a zip cut short, after yielding the lines it read whole", async () => {
  const lines = noisyLines(20_000);
  for (const streamed of [false, true]) {
    const bytes = zipBytes([{ name: "x.txt", content: lines.join("\n") }], { streamed });
    await withZip(bytes.subarray(0, Math.floor(bytes.length / 2)), async (path) => {
      const read: string[] = [];
      await assert.rejects(async () => {
        for await (const line of zipLines(path)) read.push(line as string);
      }, (error: unknown) => error instanceof ZipReadError && /cut short/.test(error.message));
      assert.ok(read.length > 1000, `${read.length} lines before the cut`);
      assert.deepEqual(read, lines.slice(0, read.length));
    });
  }
});

Deno.test("zipLines refuses broken compressed data", async () => {
  const bytes = zipBytes([{ name: "x.txt", content: noisyLines(5_000).join("\n") }]);
  const broken = bytes.slice();
  // Past the local header (30 bytes + "x.txt"): into the deflate stream.
  for (let i = 200; i < 400; i++) broken[i] = 0xff;
  await withZip(broken, (path) => refused(path, /entry "x\.txt" is broken/));
});

Deno.test("zipLines can be left early; the file is closed (resource sanitizer)", async () => {
  await withZip(
    zipBytes([{ name: "x.txt", content: noisyLines(20_000).join("\n") }]),
    async (path) => {
      let n = 0;
      for await (const _ of zipLines(path)) if (++n === 10) break;
      assert.equal(n, 10);
    },
  );
});

Deno.test("fileSha256 is the SHA-256 of the file's bytes", async () => {
  const bytes = zipBytes([{ name: "x.txt", content: noisyLines(10_000).join("\n") }]);
  await withZip(bytes, async (path) => {
    assert.equal(await fileSha256(path), await sha256Hex(bytes));
  });
  await assert.rejects(fileSha256("/nonexistent.zip"), ZipReadError);
});

Deno.test("an entry with a line of 40 MB is read with bounded memory: the line is cut at 2 MiB, the next one whole", async () => {
  // Zeros compress to almost nothing: a small zip that expands into one huge line.
  const huge = new Uint8Array(40 * 1024 * 1024).fill(0x30);
  const tail = new TextEncoder().encode('\n{"next":true}\n');
  const text = new Uint8Array(huge.length + tail.length);
  text.set(huge);
  text.set(tail, huge.length);
  const bytes = zipBytes([{ name: "R_20170208124948_SEEDFILE_1.txt", content: text }]);
  assert.ok(bytes.length < 1024 * 1024);
  await withZip(bytes, async (path) => {
    const lines = await collect(path);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].length, 2 * 1024 * 1024, "kept up to the cap, the rest dropped");
    assert.equal(lines[1], '{"next":true}');
  });
});

Deno.test("zipLines gives a line of invalid UTF-8 as unreadable, naming the byte, and the lines around it as they are", async () => {
  const encoder = new TextEncoder();
  const bad = new Uint8Array([...encoder.encode('{"n":"€'), 0xff, ...encoder.encode('"}')]);
  const content = new Uint8Array([
    ...encoder.encode('{"n":1}\n'),
    ...bad,
    ...encoder.encode('\n{"n":"😀"}\n'),
  ]);
  await withZip(zipBytes([{ name: "x.txt", content }]), async (path) => {
    const items = [];
    for await (const line of zipLines(path)) items.push(line);
    assert.equal(items[0], '{"n":1}');
    assert.equal(items[2], '{"n":"😀"}');
    const unreadable = items[1];
    assert.ok(unreadable instanceof UnreadableLine);
    assert.equal(unreadable.text, '{"n":"€\uFFFD"}');
    // 6 bytes of `{"n":"` and 3 of the euro sign come first.
    assert.match(unreadable.reason, /^not valid UTF-8 at byte 9 of the line/);
  });
});
