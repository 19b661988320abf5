/** A rejected line of a DUNS list, kept so the user sees it rather than losing it. */
export interface InvalidDunsLine {
  line: number;
  text: string;
  reason: string;
}

export interface DunsList {
  duns: string[];
  invalid: InvalidDunsLine[];
  /** DUNS that appeared more than once; each is kept once in `duns`. */
  duplicates: string[];
}

/**
 * Checks one DUNS as typed by a person: nine digits, leading zeros kept. Dashes and spaces
 * (`08-146-6849`) are accepted and dropped. Returns the DUNS or the reason it is not one.
 */
export function normalizeDuns(input: string): { duns: string } | { reason: string } {
  const compact = input.trim().replace(/^"|"$/g, "").replace(/[\s-]/g, "");
  if (compact === "") return { reason: "empty" };
  if (!/^\d+$/.test(compact)) return { reason: "not a number: a DUNS has nine digits" };
  if (compact.length < 9) {
    return {
      reason: `${compact.length} digits; a DUNS has nine (a lost leading zero? e.g. ${
        compact.padStart(9, "0")
      })`,
    };
  }
  if (compact.length > 9) return { reason: `${compact.length} digits; a DUNS has nine` };
  return { duns: compact };
}

/**
 * Reads a DUNS list: one per line, or a CSV whose header names a `duns` column (any case,
 * any position). A first line without digits is taken as a header, the DUNS then being in the
 * first column. Invalid lines are listed with their line number, never dropped silently.
 */
export function parseDunsList(text: string): DunsList {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const result: DunsList = { duns: [], invalid: [], duplicates: [] };
  const seen = new Set<string>();
  let column = 0;
  let first = true;
  lines.forEach((rawLine, index) => {
    const lineText = rawLine.trim();
    if (lineText === "" || lineText.startsWith("#")) return;
    const cells = splitCsvLine(lineText);
    if (first) {
      first = false;
      const header = cells.findIndex((cell) => /^(duns|duns[_ ]?number|subjectid)$/i.test(cell));
      if (header >= 0) {
        column = header;
        return;
      }
      // A header that names no `duns` column: the DUNS are in the first column.
      if (!/\d/.test(lineText)) return;
    }
    const cell = cells[column] ?? "";
    const checked = normalizeDuns(cell);
    if ("reason" in checked) {
      result.invalid.push({ line: index + 1, text: rawLine, reason: checked.reason });
    } else if (seen.has(checked.duns)) {
      result.duplicates.push(checked.duns);
    } else {
      seen.add(checked.duns);
      result.duns.push(checked.duns);
    }
  });
  return result;
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === "," || char === ";" || char === "\t") {
      cells.push(cell.trim());
      cell = "";
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}
