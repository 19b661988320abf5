import { terminalSafe } from "../terminal_text.ts";

/** Where a command writes, and what it may know of its terminal. Tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current terminal line (progress); a no-op when not on a terminal. */
  progress(line: string): void;
  isTerminal: boolean;
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
  let exitCode = 0;
  return {
    out: (line) => console.log(terminalSafe(line)),
    err: (line) => console.error(terminalSafe(line)),
    progress: (line) => {
      if (isTerminal) Deno.stdout.writeSync(encoder.encode(`\r\x1b[2K${terminalSafe(line)}`));
    },
    isTerminal,
    env: (name) => Deno.env.get(name),
    cwd: Deno.cwd(),
    setExitCode: (code) => {
      exitCode = code;
    },
    exitCode: () => exitCode,
  };
}
