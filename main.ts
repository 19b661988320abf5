import { processIo } from "./src/cli/io.ts";
import { runCli } from "./src/cli/program.ts";
import { stopOnSignals } from "./src/cli/stop_signals.ts";

/** Wires the CLI to the process: arguments, signals, exit code. Holds no logic. */
function stopRequested(): Promise<void> {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  return stopOnSignals(signals, {
    listen: (signal, handler) => Deno.addSignalListener(signal, handler),
    exit: (code) => Deno.exit(code),
    now: () => performance.now(),
  });
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, { io: processIo(), stopRequested }));
}
