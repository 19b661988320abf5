import { Zip, ZipDeflate, zipSync } from "fflate";

export interface ZipEntry {
  name: string;
  /** The entry's bytes; a string is written as UTF-8. */
  content: string | Uint8Array;
}

/**
 * A zip as D&B (or any zip tool) writes it. `streamed` writes it as a stream does: sizes and
 * CRC in data descriptors after each entry instead of in its header.
 */
export function zipBytes(entries: ZipEntry[], options: { streamed?: boolean } = {}): Uint8Array {
  const bytes = (content: string | Uint8Array) =>
    typeof content === "string" ? new TextEncoder().encode(content) : content;
  if (!options.streamed) {
    return zipSync(Object.fromEntries(entries.map((e) => [e.name, bytes(e.content)])));
  }
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    chunks.push(chunk);
  });
  for (const entry of entries) {
    const file = new ZipDeflate(entry.name, { level: 6 });
    zip.add(file);
    file.push(bytes(entry.content), true);
  }
  zip.end();
  const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A header file's text as D&B writes it (dnb-direct-plus.md §6), listing `files`. */
export function headerText(
  reference: string,
  files: { name: string; hash: string }[],
  options: { headerType?: string } = {},
): string {
  return JSON.stringify({
    fileHeader: {
      headerType: options.headerType ?? "SEEDFILE",
      fileId: "rrt-0b1e2f3a4c5d6e7f-a-eu-10744-52962362-1",
      inLanguage: "en-US",
      reference,
      productId: "cmpelk",
      versionId: "v2",
      totalRecordCount: 4,
      fileTimeStamp: "2017-02-08T12:49:46.988Z",
      files,
    },
  });
}
