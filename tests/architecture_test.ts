/**
 * design.md "Where things live", checked: which folder may import which, the pipeline behind its
 * one door, and no import cycle. A new import that breaks a rule fails here, naming the file.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SRC = join(ROOT, "src");

/** Folder → the folders of ours it may import (files directly in `src/` are shared by all). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  model: [],
  resilience: [],
  metrics: [],
  config: ["model"],
  // Alert rules (issue 13: "src/alerts/ for the rules"): pure, beside the sinks that send them.
  alerts: ["model", "config"],
  db: ["model", "config"],
  dnb: ["model", "config", "resilience"],
  sinks: ["model", "config", "db", "resilience", "alerts"],
  pipeline: ["model", "config", "resilience", "metrics", "db", "dnb", "sinks"],
  http: ["model", "pipeline"],
  sim: ["model"],
  cli: [
    "model",
    "config",
    "resilience",
    "metrics",
    "db",
    "dnb",
    "sinks",
    "alerts",
    "pipeline",
    "http",
    "sim",
  ],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/** Relative imports of one file, resolved to paths (`import … from`, `export … from`, `import()`). */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(file);
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
    found.push(normalize(join(dirname(file), match[1])));
  }
  return found;
}

function folderOf(file: string): string | null {
  const parts = relative(SRC, file).split("/");
  return parts.length > 1 ? parts[0] : null;
}

const files = await sourceFiles(SRC);
const graph = new Map<string, string[]>();
for (const file of files) graph.set(file, await importsOf(file));

Deno.test("every folder imports only what design.md lets it", () => {
  const broken: string[] = [];
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    if (from === null) continue;
    const allowed = MAY_IMPORT[from];
    assert.ok(allowed, `src/${from}/ is not in design.md's table: add it to MAY_IMPORT`);
    for (const target of imports) {
      const to = folderOf(target);
      if (to === null || to === from || allowed.includes(to)) continue;
      broken.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (${from} → ${to})`);
    }
  }
  assert.deepEqual(broken, []);
});

Deno.test("nothing outside src/pipeline/ imports a pipeline file other than mod.ts", () => {
  const broken: string[] = [];
  for (const [file, imports] of graph) {
    if (folderOf(file) === "pipeline") continue;
    for (const target of imports) {
      if (folderOf(target) === "pipeline" && !target.endsWith("/pipeline/mod.ts")) {
        broken.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

Deno.test("no import cycle among the source files", () => {
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      const cycle = path.slice(path.indexOf(file)).concat(file);
      cycles.push(cycle.map((f) => relative(ROOT, f)).join(" → "));
      return;
    }
    state.set(file, "visiting");
    for (const target of graph.get(file) ?? []) {
      // Type-only edges still count: a cycle of types is a cycle of concepts.
      if (graph.has(target)) visit(target, [...path, file]);
    }
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

Deno.test("the checker sees imports: it finds this repository's own edges", () => {
  const service = graph.get(join(SRC, "pipeline", "service.ts")) ?? [];
  assert.ok(service.includes(join(SRC, "pipeline", "journal.ts")));
  assert.ok(files.length > 100);
});
