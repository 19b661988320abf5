import { processIo } from "./src/cli/io.ts";
import { runCli } from "./src/cli/program.ts";

/** Wires the CLI to the process: arguments, signals, exit code. Holds no logic. */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
    let asked = false;
    const onSignal = () => {
      // A second signal means "now": the journal makes an immediate exit safe.
      if (asked) Deno.exit(130);
      asked = true;
      resolve();
    };
    for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  });
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, { io: processIo(), stopRequested }));
}
