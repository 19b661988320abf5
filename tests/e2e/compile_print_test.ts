/**
 * `deno task compile` builds the binary with the configuration's derived permissions compiled in.
 * denort cannot be downloaded here, so the command it would run is checked (`--print`).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("compile --print: the binary gets exactly config check's permissions, no source folder, no --allow-all", async () => {
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--cached-only", "--allow-read", "--allow-env", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1", TRACEONE_HTTP_TOKEN: "unused" },
      stdin: "null",
    }).output();
  const printed = await run(["scripts/compile.ts", "--config", "config/default.yaml", "--print"]);
  const command = new TextDecoder().decode(printed.stdout).trim();
  assert.equal(printed.code, 0, new TextDecoder().decode(printed.stderr));
  assert.match(
    command,
    /^deno compile --no-prompt --allow-read=\S+ --allow-write=\S+ --allow-net=\S+ /,
  );
  assert.doesNotMatch(command, /--allow-all|-A\b|\/src\/db/);
  assert.match(command, /--include config\/default\.yaml --include src\/db\/sqlite_worker\.ts/);

  const checked = await run(["main.ts", "config", "check", "--config", "config/default.yaml"]);
  const line = /permissions: deno run --no-prompt (.*) main\.ts run/.exec(
    new TextDecoder().decode(checked.stdout),
  )?.[1];
  assert.ok(line);
  // The same set, less the worker's source, which the binary carries inside.
  const expected = line.split(" ").map((flag) =>
    flag.replace(/,[^,]*\/src\/db(?=,|$)/, "").replace(/=[^,]*\/src\/db,/, "=")
  );
  for (const flag of expected) assert.ok(command.includes(flag), `${flag} in ${command}`);
});
