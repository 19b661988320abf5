import {
  configureSync,
  getJsonLinesFormatter,
  getLogger,
  getTextFormatter,
  type Logger,
  type LogRecord,
  resetSync,
  withContext,
} from "@logtape/logtape";
import { AsyncLocalStorage } from "node:async_hooks";
import { maskKnownSecrets, maskSecrets } from "./model/secret.ts";
import { terminalSafe } from "./terminal_text.ts";

export type { Logger };
/** Runs `work` with properties (registration, sink, request id) added to every log record in it. */
export { withContext };

export interface LoggingOptions {
  /** Debug level and human-readable lines. */
  debug: boolean;
  /** `text` on a terminal, `json` (one object per line) otherwise. */
  format: "json" | "text";
  /** Values that must never be printed, whatever code logs them: replaced by `***`. */
  secrets?: string[];
  /** Where lines go; standard error by default, so command output on stdout stays clean. */
  write?: (line: string) => void;
}

const ROOT = "traceone";

/** The logger of one module, e.g. `logger("monitor")` → category `traceone.monitor`. */
export function logger(...category: string[]): Logger {
  return getLogger([ROOT, ...category]);
}

/**
 * Configures LogTape once per process: structured JSON lines by default, text on a terminal
 * or with `debug`, context (registration, sink, request id) carried through async calls, and a
 * last line of defence that blanks known secret values in every formatted line.
 */
export function setupLogging(options: LoggingOptions): void {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const text = options.format === "text" || options.debug;
  const formatter = text
    ? getTextFormatter({ timestamp: "date-time-tz" })
    : getJsonLinesFormatter();
  const write = options.write ?? ((line: string) => console.error(line.replace(/\n$/, "")));
  // JSON lines escape control characters themselves; text lines are made safe to print.
  const redacting = (record: LogRecord) => {
    const line = maskSecrets(maskKnownSecrets(formatter(record)), secrets);
    write(text ? terminalSafe(line.replace(/\n$/, "")) + "\n" : line);
  };
  resetSync();
  configureSync({
    sinks: { main: redacting },
    loggers: [
      { category: [ROOT], lowestLevel: options.debug ? "debug" : "info", sinks: ["main"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["main"] },
    ],
    contextLocalStorage: new AsyncLocalStorage(),
  });
}

/** Removes the configuration (tests, and commands that configure again). */
export function resetLogging(): void {
  resetSync();
}
