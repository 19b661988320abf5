/**
 * `deno task compile --config FILE`: builds the single binary with the permissions that FILE
 * needs embedded (the same derivation `config check` prints for `deno run`), so the binary runs
 * with read and write of its configured paths, net to its configured hosts and env of the
 * variables the file references — never `--allow-all`. `--print` shows the command instead.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.ts";
import { configPermissions } from "../src/cli/config_commands.ts";
import { ConfigError, formatIssue } from "../src/config/errors.ts";
import { denoRunFlags, shellWord } from "../src/config/permissions.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    config: { type: "string" },
    output: { type: "string", default: "dist/traceone-monitor" },
    print: { type: "boolean", default: false },
  },
});

const path = values.config ?? Deno.env.get("TRACEONE_CONFIG");
if (!path) {
  console.error(
    "compile: give the production configuration with --config FILE (its paths, hosts and " +
      "variables become the binary's permissions), e.g. deno task compile --config config/production.yaml",
  );
  Deno.exit(2);
}

let args: string[];
try {
  const config = await loadConfig(resolve(path));
  // The binary carries the worker (`--include`): no source is read at run time.
  const set = await configPermissions(config, { sourceRoot: null });
  args = [
    "compile",
    "--no-prompt",
    ...denoRunFlags(set),
    "--include",
    "config/default.yaml",
    "--include",
    "src/db/sqlite_worker.ts",
    "--output",
    values.output,
    "main.ts",
  ];
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`compile: ${path} is not a valid configuration:`);
  for (const issue of error.issues) console.error(`  ${formatIssue(issue)}`);
  Deno.exit(2);
}

if (values.print) {
  console.log(["deno", ...args].map(shellWord).join(" "));
  Deno.exit(0);
}
const { code } = await new Deno.Command(Deno.execPath(), { args }).spawn().status;
if (code !== 0) {
  console.error(
    "compile: deno compile failed; it needs the denort runtime (downloaded once, or set " +
      "DENORT_BIN to a local copy)",
  );
}
Deno.exit(code);
