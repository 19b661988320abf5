import { parseDunsList } from "../model/duns.ts";
import { zipLines } from "./zip_lines.ts";

/**
 * The subjects of a registration from the file D&B delivers after an export request
 * (`REFERENCE_YYYYMMDDHHMMSS_DunsExport_N.zip`, one `.txt` inside, one DUNS per line), or the
 * same list as plain text or CSV. Lines that are not a DUNS are returned for the caller to show.
 */
export async function readDunsExport(
  path: string,
): Promise<{ duns: Set<string>; invalid: { line: number; text: string; reason: string }[] }> {
  let text: string;
  if (/\.zip$/i.test(path)) {
    const lines: string[] = [];
    for await (const line of zipLines(path)) {
      lines.push(typeof line === "string" ? line : line.text);
    }
    text = lines.join("\n");
  } else {
    text = await Deno.readTextFile(path);
  }
  const list = parseDunsList(text);
  return { duns: new Set(list.duns), invalid: list.invalid };
}
