/**
 * `deno task bundle`: main.ts as one JavaScript file (`dist/traceone-monitor.js`) that runs
 * with `deno run` and nothing beside it. ssh2's optional native addons stay external (ssh2 falls
 * back to JavaScript without them), and a first line gives the bundle the `__dirname` that
 * ssh2's embedded asm.js poly1305 reads, which an ES module does not have. The SQLite worker is
 * not in the bundle: SQLite then runs in-process (sqlite_driver.ts).
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";

const { values } = parseArgs({
  args: Deno.args,
  options: { output: { type: "string", default: "dist/traceone-monitor.js" } },
});
const output = values.output;
const raw = `${output}.raw.js`;
await Deno.mkdir(dirname(output), { recursive: true });
const { code } = await new Deno.Command(Deno.execPath(), {
  args: ["bundle", "--quiet", "--platform", "deno", "--external", "*.node", "-o", raw, "main.ts"],
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
if (code !== 0) {
  console.error("bundle: deno bundle failed");
  Deno.exit(code);
}
const shim = "globalThis.__dirname ??= import.meta.dirname; " +
  "globalThis.__filename ??= import.meta.filename;\n";
await Deno.writeTextFile(output, shim + await Deno.readTextFile(raw));
await Deno.remove(raw);
console.log(`bundle: ${output} (${((await Deno.stat(output)).size / 1e6).toFixed(1)} MB)`);
