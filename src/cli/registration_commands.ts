import type { Command } from "commander";
import { parseDunsList } from "../model/duns.ts";
import { normalizeDuns } from "../model/duns.ts";
import type { Information, RegistrationSpec } from "../dnb/registrations_api.ts";
import type { CliIo } from "./io.ts";
import { markRegistrationsChanged, recordAcceptedChange } from "../pipeline/mod.ts";
import { registerSyncCommand } from "./sync_command.ts";
import { catchInterrupt } from "./interrupt.ts";
import { duration, Progress } from "./progress.ts";
import type { Runtime } from "./runtime.ts";
import { UsageError } from "./usage_error.ts";

export interface RegistrationCommandDeps {
  io: CliIo;
  withRuntime<T>(command: Command, work: (runtime: Runtime) => Promise<T>): Promise<T>;
  readRegistrationSpec(path: string): Promise<RegistrationSpec>;
}

/** DUNS per batch request when adding or removing from a file. */
const BATCH_SIZE = 1_000;

export function registerRegistrationCommands(
  program: Command,
  deps: RegistrationCommandDeps,
): void {
  const { io } = deps;
  const registrations = program.command("registrations").alias("reg")
    .description("manage D&B monitoring registrations");

  registrations.command("list").description("list the account's registration references")
    .option("--json", "one JSON array of references")
    .action((options: { json?: boolean }, command: Command) =>
      deps.withRuntime(command, async ({ client }) => {
        const references = await client.registrations.list();
        if (options.json) return io.out(JSON.stringify(references));
        if (references.length === 0) io.out("no registrations");
        for (const reference of references) io.out(reference);
      })
    );

  registrations.command("show <ref>").description("show one registration's details")
    .option("--json", "print D&B's registration object as JSON")
    .action((ref: string, options: { json?: boolean }, command: Command) =>
      deps.withRuntime(command, async ({ client }) => {
        const details = await client.registrations.get(ref);
        if (options.json) {
          io.out(JSON.stringify(details, null, 2));
          return;
        }
        const r = details.registration;
        const rows: [string, unknown][] = [
          ["reference", details.reference],
          ["state", details.state],
          ["notifications suppressed", details.notificationsSuppressed],
          ["description", r.description],
          ["product", [r.productId, r.versionId].filter(Boolean).join(" ")],
          ["notification type", r.notificationType],
          ["delivery", [r.deliveryTrigger, r.deliveryFrequency].filter(Boolean).join(", ")],
          ["seed data", r.seedData],
          ["email", r.email],
          ["created", r.createdDate],
          ["last updated", r.lastUpdatedDate],
        ];
        for (const [label, value] of rows) {
          if (value !== undefined && value !== "") io.out(`${label.padEnd(25)} ${value}`);
        }
      })
    );

  registrations.command("create").description("create a registration from a YAML or JSON file")
    .requiredOption("--file <path>", "registration spec (reference, productId, versionId, duns…)")
    .action((options: { file: string }, command: Command) =>
      deps.withRuntime(command, async ({ client, kv }) => {
        const spec = await deps.readRegistrationSpec(options.file);
        const info = await client.registrations.create(spec);
        // A service running on the same state starts monitoring it within seconds.
        await markRegistrationsChanged(kv);
        io.out(`created ${spec.reference}${describeInfo(info)}`);
      })
    );

  registrations.command("delete <ref>").description("delete a registration (cannot be undone)")
    .requiredOption("--yes", "confirm the deletion")
    .action((ref: string, _options, command: Command) =>
      deps.withRuntime(command, async ({ client, kv }) => {
        const info = await client.registrations.delete(ref);
        await markRegistrationsChanged(kv);
        io.out(`deleted ${ref}${describeInfo(info)}`);
      })
    );

  registrations.command("edit <ref>").description("change a registration's email or description")
    .option("--email <addresses>", "comma-separated email addresses")
    .option("--description <text>", "new description")
    .action((ref: string, options: { email?: string; description?: string }, command: Command) => {
      if (options.email === undefined && options.description === undefined) {
        throw new UsageError("registrations edit: give --email and/or --description");
      }
      return deps.withRuntime(command, async ({ client }) => {
        const info = await client.registrations.edit(ref, {
          email: options.email?.split(",").map((e) => e.trim()).filter(Boolean),
          description: options.description,
        });
        io.out(`updated ${ref}${describeInfo(info)}`);
      });
    });

  for (const action of ["add", "remove"] as const) {
    registrations.command(`${action} <ref> [duns...]`)
      .description(
        `${action} DUNS ${action === "add" ? "to" : "from"} a registration, given inline or ` +
          "--file (one per line, or a CSV with a duns column)",
      )
      .option("--file <path>", "a DUNS list: one per line, or CSV with a header")
      .option("--one-by-one", "with --file: one request per DUNS instead of batch files")
      .action((ref: string, inline: string[], options: SubjectOptions, command: Command) =>
        changeSubjects({ action, ref, inline, options, command, deps })
      );
  }

  registrations.command("check <ref> <duns>").description("is this DUNS in the registration?")
    .action((ref: string, duns: string, _options, command: Command) =>
      deps.withRuntime(command, async ({ client }) => {
        const checked = validDuns(duns);
        const present = await client.registrations.checkSubject(ref, checked);
        io.out(`${checked} is ${present ? "" : "not "}in ${ref}`);
        if (!present) io.setExitCode(1);
      })
    );

  registrations.command("suppress <ref>").description("hold back notifications")
    .action((ref: string, _options, command: Command) =>
      deps.withRuntime(command, async ({ client }) => {
        io.out(`suppressed ${ref}${describeInfo(await client.registrations.suppress(ref))}`);
      })
    );

  registrations.command("unsuppress <ref>").description("release notifications (activate)")
    .action((ref: string, _options, command: Command) =>
      deps.withRuntime(command, async ({ client }) => {
        io.out(`unsuppressed ${ref}${describeInfo(await client.registrations.unsuppress(ref))}`);
      })
    );

  registrations.command("export <ref>")
    .description("ask D&B to deliver the subject list to the registration's destination")
    .action((ref: string, _options, command: Command) =>
      deps.withRuntime(command, async ({ client }) => {
        io.out(
          `export requested for ${ref}${
            describeInfo(await client.registrations.requestExport(ref))
          }`,
        );
      })
    );

  registerSyncCommand(registrations, deps);
}

interface SubjectOptions {
  file?: string;
  oneByOne?: boolean;
}

async function changeSubjects(args: {
  action: "add" | "remove";
  ref: string;
  inline: string[];
  options: SubjectOptions;
  command: Command;
  deps: RegistrationCommandDeps;
}): Promise<void> {
  const { action, ref, inline, options, deps } = args;
  const { io } = deps;
  if (options.file && inline.length > 0) {
    throw new UsageError(`registrations ${action}: give DUNS inline or --file, not both`);
  }
  if (!options.file && inline.length === 0) {
    throw new UsageError(`registrations ${action}: give at least one DUNS, or --file`);
  }
  const list = options.file
    ? parseDunsList(await readText(options.file))
    : parseDunsList(inline.join("\n"));
  for (const bad of list.invalid) {
    io.err(
      `${options.file ?? "argument"}${options.file ? `:${bad.line}` : ""}: ` +
        `"${bad.text.trim()}" is not a DUNS: ${bad.reason}`,
    );
  }
  if (list.duplicates.length > 0) {
    io.err(`skipped ${list.duplicates.length} repeated DUNS (each is sent once)`);
  }
  if (list.invalid.length > 0 && !options.file) {
    throw new UsageError(`registrations ${action}: fix the DUNS above`);
  }
  if (list.duns.length === 0) {
    throw new UsageError(`registrations ${action}: no valid DUNS to send`);
  }

  await deps.withRuntime(args.command, async ({ client, kv }) => {
    const api = client.registrations;
    // What this service added and removed: `registrations sync` works from it (sync_command.ts).
    const remember = (duns: string[], info: Information) =>
      recordAcceptedChange(kv, {
        at: new Date().toISOString(),
        registration: ref,
        action,
        source: action,
        duns,
        answer: info,
      });
    const total = list.duns.length;
    const progress = new Progress(io, { label: action, unit: "DUNS", total });
    const interrupt = catchInterrupt();
    let done = 0;
    const counts: Record<string, number> = {};
    try {
      if (options.file && !options.oneByOne) {
        for (let start = 0; start < total && !interrupt.requested; start += BATCH_SIZE) {
          const chunk = list.duns.slice(start, start + BATCH_SIZE);
          const info = action === "add"
            ? await api.addSubjects(ref, chunk)
            : await api.removeSubjects(ref, chunk);
          await remember(chunk, info);
          done = Math.min(total, start + BATCH_SIZE);
          progress.update(done);
          if (done === total) {
            progress.stop();
            io.out(`${action}: ${total} DUNS sent to ${ref}${describeInfo(info)}`);
          }
        }
      } else {
        for (const duns of list.duns) {
          if (interrupt.requested) break;
          const { outcome, info } = action === "add"
            ? await api.addSubject(ref, duns)
            : await api.removeSubject(ref, duns);
          await remember([duns], info);
          counts[outcome] = (counts[outcome] ?? 0) + 1;
          done++;
          if (total <= 20) io.out(`${duns}: ${outcome.replace("_", " ")}`);
          else progress.update(done);
        }
        progress.stop();
        io.out(
          `${ref}: ${describeCounts(counts)} (${done} DUNS in ${
            duration(progress.elapsedMs / 1000)
          })`,
        );
      }
    } finally {
      progress.stop();
      interrupt.dispose();
    }
    if (interrupt.requested && done < total) {
      io.err(
        `interrupted: ${done} of ${total} DUNS ${action === "add" ? "added" : "removed"}; ` +
          `re-running the same command is safe (DUNS already ${
            action === "add" ? "present" : "absent"
          } count as done)`,
      );
      io.setExitCode(130);
      return;
    }
    if (list.invalid.length > 0) {
      io.err(`${list.invalid.length} invalid line(s) were not sent (listed above)`);
      io.setExitCode(1);
    }
  });
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, v]) => `${v} ${k.replace("_", " ")}`).join(", ") ||
    "nothing sent";
}

function validDuns(input: string): string {
  const checked = normalizeDuns(input);
  if ("reason" in checked) throw new UsageError(`"${input}" is not a DUNS: ${checked.reason}`);
  return checked.duns;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : error}`);
  }
}

function describeInfo(info: Information): string {
  const parts = [info.code, info.message].filter(Boolean).join(" ");
  return parts ? ` (${parts})` : "";
}
