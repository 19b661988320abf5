import type { Command } from "commander";
import { importPushFile, parsePushFileHeader, type PushImportResult } from "../pipeline/mod.ts";
import type { CliIo } from "./io.ts";
import { reportDelivery } from "./pipeline_commands.ts";
import type { Runtime } from "./runtime.ts";
import { openServiceSession, setupCommandLogging } from "./service_session.ts";
import { UsageError } from "./usage_error.ts";
import { terminalSafe } from "../terminal_text.ts";

export interface ImportCommandDeps {
  io: CliIo;
  withRuntime<T>(command: Command, work: (runtime: Runtime) => Promise<T>): Promise<T>;
}

interface ImportOptions {
  registration?: string;
}

/** `import FILE…`: D&B push files into the journal and every sink, as if they were pulled. */
export function registerImportCommand(program: Command, deps: ImportCommandDeps): void {
  program.command("import <files...>")
    .description(
      "journal D&B push files (…_SEEDFILE_<N>.zip, …_NOTIFICATION_<N>.zip) into every sink; " +
        "header files (…_HEADER.json) given with them have each part they list checked " +
        "against its SHA-256 first",
    )
    .option("--registration <ref>", "journal under this reference, not the file names'")
    .action((files: string[], options: ImportOptions, command: Command) =>
      importFiles(files, { ...options, command, deps })
    );
}

async function importFiles(
  files: string[],
  options: ImportOptions & { command: Command; deps: ImportCommandDeps },
): Promise<void> {
  const { io } = options.deps;
  const registration = options.registration;
  if (registration !== undefined && registration.trim() === "") {
    throw new UsageError("--registration: expected a registration reference, got nothing");
  }
  const headerFiles = files.filter((file) => /\.json$/i.test(file));
  const parts = files.filter((file) => !/\.json$/i.test(file));
  if (parts.length === 0) {
    throw new UsageError(
      "no push zip given: header files only say how to check the .zip parts given with them",
    );
  }
  const hashes = await readHeaders(headerFiles, io);
  if (hashes === null) {
    io.err(
      "nothing imported: each header given must be readable, so that every part it lists is " +
        "checked; fix the header or leave it out",
    );
    io.setExitCode(1);
    return;
  }
  const debug = Boolean((options.command.optsWithGlobals() as { debug?: boolean }).debug);

  await options.deps.withRuntime(options.command, async (runtime) => {
    setupCommandLogging(runtime.config, io);
    const session = await openServiceSession(runtime);
    try {
      let failed = false;
      let deadLettered = 0;
      for (const file of parts) {
        const listed = hashes.get(baseName(file)) ?? new Set<string>();
        if (listed.size > 1) {
          io.err(
            `${printable(file)}: failed: the headers given list it with different SHA-256 ` +
              "hashes; give only the header delivered with it",
          );
          failed = true;
          continue;
        }
        const [expectedSha256] = [...listed];
        if (expectedSha256 === undefined) {
          io.err(
            `warning: ${printable(file)}: listed in no header given; importing it without a ` +
              "hash check",
          );
        }
        const result = await importPushFile(file, {
          target: session.service,
          batchSize: runtime.config.monitoring.notification_batch_size,
          registration,
          expectedSha256,
          onSkippedEntry: (entry) =>
            io.err(`warning: ${printable(file)}: skipped ${printable(entry)} (not a .txt)`),
          onProgress: (sofar) => io.progress(`${printable(file)}: ${counts(sofar)}`),
        });
        io.progress("");
        deadLettered += result.deadLettered;
        if (result.error) {
          failed = true;
          io.err(failureLine(result, result.error));
          if (debug && !("code" in result.error) && result.error.stack) {
            io.err(result.error.stack);
          }
        } else {
          io.out(`${printable(file)}: ${counts(result)}`);
        }
      }
      if (deadLettered > 0) {
        io.out(
          `${deadLettered} line(s) failed validation and were dead-lettered: ` +
            '"deadletters list" shows them with the reason',
        );
      }
      const current = await reportDelivery(session.service, io);
      if (failed || !current) io.setExitCode(1);
    } finally {
      await session.close();
    }
  });
}

const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** Part name → the hashes the headers give it; null when a header could not be read. */
async function readHeaders(
  headerFiles: string[],
  io: CliIo,
): Promise<Map<string, Set<string>> | null> {
  const hashes = new Map<string, Set<string>>();
  let ok = true;
  for (const file of headerFiles) {
    try {
      // A header lists file names and hashes; a big .json given by mistake is not read whole.
      if ((await Deno.stat(file)).size > MAX_HEADER_BYTES) {
        throw new Error(`more than ${MAX_HEADER_BYTES} bytes: no D&B header file`);
      }
      const header = parsePushFileHeader(await Deno.readTextFile(file), { source: file });
      for (const { name, hash } of header.files) {
        const set = hashes.get(name) ?? new Set<string>();
        set.add(hash);
        hashes.set(name, set);
      }
    } catch (error) {
      ok = false;
      const message = error instanceof Error ? error.message : String(error);
      io.err(`${printable(file)}: failed: ${printable(withoutPath(message, file))}`);
    }
  }
  return ok ? hashes : null;
}

function counts(result: PushImportResult): string {
  const batches = result.batches
    ? `batches ${result.batches.first}..${result.batches.last}`
    : "no new batch";
  return `${result.journaled} journaled, ${result.duplicates} duplicates, ` +
    `${result.deadLettered} dead-lettered (${batches})`;
}

function failureLine(result: PushImportResult, error: Error): string {
  const code = "code" in error ? ` [${String(error.code)}]` : "";
  const message = `failed: ${printable(withoutPath(error.message, result.path))}${code}`;
  if (result.lines === 0) return `${printable(result.path)}: ${message}`;
  return `${printable(result.path)}: ${counts(result)}, then ${message}; importing it again ` +
    "journals only what is missing";
}

/** The pipeline's errors start with the file they are about, which the line already names. */
function withoutPath(message: string, path: string): string {
  const prefix = `${JSON.stringify(path)}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * `text` with every C0 and C1 control character and bidirectional override written as a
 * `\uXXXX` escape: a file name or a zip entry's name could otherwise move the cursor, clear
 * the screen or reorder what the terminal shows.
 */
function printable(text: string): string {
  // Tab and line feed too: a file name must stay on its one line of output.
  return terminalSafe(text).replaceAll("\t", "\\u0009").replaceAll("\n", "\\u000a");
}
