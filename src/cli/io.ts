import { maskKnownSecrets } from "../model/secret.ts";
import { terminalSafe } from "../terminal_text.ts";

/** What a line must become before a terminal or pipe sees it: no secret, no control code. */
function printable(line: string): string {
  return terminalSafe(maskKnownSecrets(line));
}

/** Where a command writes, and what it may know of its terminal. Tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /**
   * Rewrites the progress line on standard error (`""` clears it); a no-op when standard error
   * is not a terminal. `err` lines written meanwhile go above it, never glued to it.
   */
  progress(line: string): void;
  /** Whether standard output is a terminal (human output rather than a pipe). */
  isTerminal: boolean;
  /** Whether standard error is a terminal, where progress shows. */
  errIsTerminal: boolean;
  env(name: string): string | undefined;
  cwd: string;
  /** Sets the exit code a command ends with when it finishes without throwing. */
  setExitCode(code: number): void;
  exitCode(): number;
}

/** The process's own streams. Every line passes `terminalSafe`: data never drives the terminal. */
export function processIo(): CliIo {
  const encoder = new TextEncoder();
  const isTerminal = Deno.stdout.isTerminal();
  const errIsTerminal = Deno.stderr.isTerminal();
  let progressLine = "";
  const writeErr = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
  let exitCode = 0;
  return {
    out: (line) => console.log(printable(line)),
    err: (line) => {
      if (progressLine === "") return console.error(printable(line));
      // Clear the progress line, write the line, draw the progress again below it.
      writeErr(`\r\x1b[2K${printable(line)}\n${progressLine}`);
    },
    progress: (line) => {
      if (!errIsTerminal) return;
      progressLine = printable(line);
      writeErr(`\r\x1b[2K${progressLine}`);
    },
    isTerminal,
    errIsTerminal,
    env: (name) => Deno.env.get(name),
    cwd: Deno.cwd(),
    setExitCode: (code) => {
      exitCode = code;
    },
    exitCode: () => exitCode,
  };
}
