import assert from "node:assert/strict";
import { normalizeDuns, parseDunsList } from "../../src/model/duns.ts";

Deno.test("a DUNS keeps its leading zeros and accepts dashes", () => {
  assert.deepEqual(normalizeDuns("081466849"), { duns: "081466849" });
  assert.deepEqual(normalizeDuns(" 08-146-6849 "), { duns: "081466849" });
  assert.deepEqual(normalizeDuns("81466849"), {
    reason: "8 digits; a DUNS has nine (a lost leading zero? e.g. 081466849)",
  });
  assert.deepEqual(normalizeDuns("12345678A"), { reason: "not a number: a DUNS has nine digits" });
  assert.deepEqual(normalizeDuns("1234567890"), { reason: "10 digits; a DUNS has nine" });
});

Deno.test("a plain list: one DUNS per line, invalid lines listed with their number", () => {
  const list = parseDunsList("081466849\n\n268909075\nABC\n081466849\n12345\n");
  assert.deepEqual(list.duns, ["081466849", "268909075"]);
  assert.deepEqual(list.duplicates, ["081466849"]);
  assert.deepEqual(list.invalid.map((i) => [i.line, i.text]), [[4, "ABC"], [6, "12345"]]);
});

Deno.test("a CSV with a header naming the duns column, in any position", () => {
  const csv = 'name,DUNS,country\r\n"Gorman, Inc",081466849,US\r\nAcme,268909075,GB\r\n';
  assert.deepEqual(parseDunsList(csv).duns, ["081466849", "268909075"]);
});

Deno.test("a one-column file with some other header", () => {
  const list = parseDunsList("\uFEFFCompany number\n081466849\n");
  assert.deepEqual(list, { duns: ["081466849"], invalid: [], duplicates: [] });
});
