/** DUNS validation and the batch file format: no header, one DUNS per line (CSV tolerated). */

export function isValidDuns(text: string): boolean {
  return /^\d{9}$/.test(text);
}

export interface DunsList {
  valid: string[];
  invalid: string[];
}

export function parseDunsList(text: string): DunsList {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const entry of text.split(/[\r\n,;]+/)) {
    const value = entry.trim().replace(/^"(.*)"$/, "$1");
    if (value === "") continue;
    (isValidDuns(value) ? valid : invalid).push(value);
  }
  return { valid, invalid };
}
