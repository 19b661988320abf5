import type { Command } from "commander";
import { openDatabase } from "../db/database.ts";
import { queryDunsColumn } from "../db/duns_query.ts";
import { checkRemovalLimit, planSubjectSync, type SubjectSyncPlan } from "../dnb/subject_sync.ts";
import type { Information } from "../dnb/registrations_api.ts";
import { parseDunsList } from "../model/duns.ts";
import {
  appendAudit,
  readDunsExport,
  recordAcceptedChange,
  recordedSubjects,
  recordSubjects,
} from "../pipeline/mod.ts";
import type { CliIo } from "./io.ts";
import { catchInterrupt } from "./interrupt.ts";
import { Progress } from "./progress.ts";
import type { Runtime } from "./runtime.ts";
import { UsageError } from "./usage_error.ts";

export interface SyncCommandDeps {
  io: CliIo;
  withRuntime<T>(command: Command, work: (runtime: Runtime) => Promise<T>): Promise<T>;
}

interface SyncOptions {
  file?: string;
  fromSql?: string;
  exportFile: string[];
  verify?: boolean;
  dryRun?: boolean;
  maxRemovePercent: string;
  force?: boolean;
}

/** DUNS per add or remove request (D&B's batch calls take lists). */
const BATCH_SIZE = 1_000;
/** Removals per audit entry (each is its own call). */
const REMOVAL_GROUP = 100;

/** `registrations sync REF`: makes a registration hold exactly the customer's own list. */
export function registerSyncCommand(registrations: Command, deps: SyncCommandDeps): void {
  registrations.command("sync <ref>")
    .description(
      "add and remove DUNS so the registration holds exactly the list in --file or --from-sql; " +
        "shows the plan first",
    )
    .option("--file <path>", "the wanted DUNS: one per line, or CSV with a duns column")
    .option("--from-sql <query>", 'the wanted DUNS from the configured database: "SELECT duns …"')
    .option(
      "--export-file <path>",
      "the registration's subjects as D&B exported them (DunsExport zip or text; repeat it for " +
        "each part of a split export); without it, this service's record of what it added, each " +
        "removal checked with D&B first",
      (path: string, previous: string[]) => [...previous, path],
      [] as string[],
    )
    .option(
      "--verify",
      "without --export-file: check every DUNS the record says is there with D&B (one call " +
        "each), and add back what D&B rejected or dropped",
    )
    .option("--dry-run", "show the plan, change nothing")
    .option("--max-remove-percent <n>", "refuse to remove more than this share at once", "10")
    .option("--force", "remove even past --max-remove-percent, or with invalid lines")
    .action((ref: string, options: SyncOptions, command: Command) =>
      syncRegistration({ ref, options, command, deps })
    );
}

async function syncRegistration(args: {
  ref: string;
  options: SyncOptions;
  command: Command;
  deps: SyncCommandDeps;
}): Promise<void> {
  const { ref, options, deps } = args;
  const { io } = deps;
  if ((options.file === undefined) === (options.fromSql === undefined)) {
    throw new UsageError("registrations sync: give the wanted list with --file or --from-sql");
  }
  if (options.verify && options.exportFile.length > 0) {
    throw new UsageError(
      "registrations sync: --verify checks this service's record; with --export-file D&B's own " +
        "list is the current one already (give one of them)",
    );
  }
  const maxPercent = Number(options.maxRemovePercent);
  if (!Number.isFinite(maxPercent) || maxPercent < 0 || maxPercent > 100) {
    throw new UsageError(
      `--max-remove-percent: expected a number 0–100, got "${options.maxRemovePercent}"`,
    );
  }
  await deps.withRuntime(args.command, async (runtime) => {
    const interrupt = catchInterrupt();
    let result: SyncResult;
    try {
      result = await runSubjectSync(runtime, {
        reference: ref,
        file: options.file ?? null,
        fromSql: options.fromSql ?? null,
        exportFiles: options.exportFile,
        verify: options.verify ?? false,
        maxRemovePercent: maxPercent,
        force: options.force ?? false,
        dryRun: options.dryRun ?? false,
        source: "sync",
        output: {
          line: (text) => io.out(text),
          problem: (text) => io.err(text),
          progress: (label, total) => new Progress(io, { label, unit: "DUNS", total }),
        },
        interrupted: () => interrupt.requested,
      });
    } finally {
      interrupt.dispose();
    }
    if (result.outcome === "refused") {
      io.err(`error: ${result.refusal}`);
      io.setExitCode(1);
    } else if (result.outcome === "interrupted") {
      io.setExitCode(130);
    }
  });
}

/** Where a sync reports: the terminal for the command, the log for the schedule. */
export interface SyncOutput {
  line(text: string): void;
  problem(text: string): void;
  progress(label: string, total: number): { update(done: number): void; stop(): void };
}

export interface SubjectSyncOptions {
  reference: string;
  file: string | null;
  fromSql: string | null;
  /** The parts of a D&B export; empty for none. */
  exportFiles: readonly string[];
  /** From the record: check the kept DUNS with D&B too, and add back the ones it lacks. */
  verify?: boolean;
  maxRemovePercent: number;
  force: boolean;
  dryRun: boolean;
  /** What the audit log names as the origin: `sync`, `sync (scheduled)`. */
  source: string;
  output: SyncOutput;
  /** Asked between batches: stop after the batch in hand. */
  interrupted?(): boolean;
}

export interface SyncResult {
  outcome: "applied" | "dry_run" | "refused" | "interrupted";
  added: number;
  removed: number;
  /** Why it was refused (or would be, on a dry run). */
  refusal: string | null;
}

/**
 * One sync: reads the wanted list, plans against the export or the record, prints the plan,
 * and unless refused (removal limit, invalid lines) or a dry run, applies it in batches.
 */
export async function runSubjectSync(
  runtime: Runtime,
  options: SubjectSyncOptions,
): Promise<SyncResult> {
  const { reference: ref, output } = options;
  const source = options.file ?? "--from-sql";
  const wanted = parseDunsList(await wantedText(runtime, options));
  for (const bad of wanted.invalid) {
    output.problem(`${source}:${bad.line}: "${bad.text.trim()}" is not a DUNS: ${bad.reason}`);
  }
  let exported: Set<string> | null = null;
  for (const path of options.exportFiles) {
    const read = await readDunsExport(path).catch((error) => {
      throw new UsageError(`--export-file: cannot read ${path}: ${error.message}`);
    });
    exported = new Set([...exported ?? [], ...read.duns]);
    // Not fatal (the export is D&B's, not the customer's list), but never silent.
    for (const bad of read.invalid) {
      output.problem(`${path}:${bad.line}: "${bad.text.trim()}" is not a DUNS, not used`);
    }
  }
  const recorded = await recordedSubjects(runtime.kv, ref);
  const plan = planSubjectSync({ desired: wanted.duns, exported, recorded });
  let unchecked = 0;
  let restored = 0;
  if (plan.basis === "record" && options.verify) {
    // The record says what D&B accepted, not what it kept: a batch add's rejections come back
    // only as an exceptions file, and D&B drops subjects itself (EXIT, TRANSFER).
    const wantedSet = new Set(wanted.duns);
    const kept = [...recorded].filter((duns) => wantedSet.has(duns));
    const checked = await confirmPresent(runtime, {
      ref,
      candidates: kept,
      output,
      stopAbove: Number.POSITIVE_INFINITY,
      record: !options.dryRun,
      label: "verify",
      stopped: () => options.interrupted?.() ?? false,
    });
    plan.adds.push(...checked.gone);
    plan.unchanged -= checked.gone.length;
    plan.current -= checked.gone.length;
    restored = checked.gone.length;
  }
  if (plan.basis === "record" && plan.removes.length > 0) {
    // Past the limit there is no point in checking the rest: the sync is refused anyway.
    const allowed = options.force
      ? Number.POSITIVE_INFINITY
      : Math.floor((options.maxRemovePercent / 100) * plan.current);
    const checked = await confirmPresent(runtime, {
      ref,
      candidates: plan.removes,
      output,
      stopAbove: allowed,
      record: !options.dryRun,
      stopped: () => options.interrupted?.() ?? false,
    });
    plan.removes = [...checked.present, ...checked.unchecked];
    unchecked = checked.unchecked.length;
  }
  printPlan(output, {
    ref,
    plan,
    exportFiles: options.exportFiles,
    invalid: wanted.invalid.length,
    unchecked,
    restored,
  });

  let refusal: string | null = null;
  try {
    checkRemovalLimit(plan, {
      maxPercent: options.maxRemovePercent,
      force: options.force,
      reference: ref,
    });
  } catch (error) {
    refusal = (error as Error).message;
  }
  if (wanted.invalid.length > 0 && !options.force) {
    refusal ??= `refused: ${wanted.invalid.length} invalid line(s) in the list (listed above); ` +
      "fix them, or pass --force (their DUNS would otherwise be removed)";
  }
  if (options.dryRun) {
    output.line(
      refusal
        ? `dry run: nothing changed; applying would be ${refusal}`
        : "dry run: nothing changed",
    );
    return { outcome: "dry_run", added: 0, removed: 0, refusal };
  }
  if (refusal) return { outcome: "refused", added: 0, removed: 0, refusal };
  return await applyPlan(runtime, { ref, plan, options });
}

async function wantedText(
  runtime: Runtime,
  options: { file: string | null; fromSql: string | null },
): Promise<string> {
  if (options.file) {
    try {
      return await Deno.readTextFile(options.file);
    } catch (error) {
      throw new UsageError(`--file: cannot read ${options.file}: ${(error as Error).message}`);
    }
  }
  const url = runtime.config.database.url.reveal();
  if (url === "") throw new UsageError("--from-sql: no database.url in the configuration");
  const database = await openDatabase(runtime.config.database);
  try {
    return (await queryDunsColumn(database, options.fromSql!)).join("\n");
  } finally {
    await database.close();
  }
}

/**
 * The removal candidates from the record that D&B still lists; the rest leave the record (not
 * on a dry run, which changes nothing). Stops checking once more than `stopAbove` are present:
 * the rest are returned unchecked.
 */
async function confirmPresent(
  runtime: Runtime,
  args: {
    ref: string;
    candidates: string[];
    output: SyncOutput;
    stopAbove: number;
    record: boolean;
    label?: string;
    /** Asked before each check: Ctrl-C or a shutdown stops after the call in hand. */
    stopped: () => boolean;
  },
): Promise<{ present: string[]; gone: string[]; unchecked: string[] }> {
  const { ref, candidates } = args;
  const progress = args.output.progress(args.label ?? "check", candidates.length);
  const present: string[] = [];
  const gone: string[] = [];
  let index = 0;
  try {
    for (
      ;
      index < candidates.length && present.length <= args.stopAbove && !args.stopped();
      index++
    ) {
      const duns = candidates[index];
      if (await runtime.client.registrations.checkSubject(ref, duns)) present.push(duns);
      else gone.push(duns);
      progress.update(index + 1);
    }
  } finally {
    progress.stop();
  }
  if (args.record) {
    await recordSubjects(runtime.kv, {
      reference: ref,
      duns: gone,
      present: false,
      at: new Date().toISOString(),
    });
  }
  return { present, gone, unchecked: candidates.slice(index) };
}

function printPlan(
  io: SyncOutput,
  args: {
    ref: string;
    plan: SubjectSyncPlan;
    exportFiles: readonly string[];
    invalid: number;
    unchecked: number;
    restored: number;
  },
): void {
  const { plan } = args;
  const basis = plan.basis === "export"
    ? `D&B's export ${args.exportFiles.join(", ")}`
    : "this service's record (removals checked with D&B)";
  io.line(`sync plan for ${args.ref} (current list: ${basis}, ${plan.current} subjects):`);
  io.line(
    `  add     ${plan.adds.length}${sample(plan.adds)}${
      args.restored > 0 ? ` (${args.restored} recorded but no longer at D&B)` : ""
    }`,
  );
  io.line(
    `  remove  ${plan.removes.length}${sample(plan.removes)}${
      args.unchecked > 0
        ? ` (${args.unchecked} not checked with D&B: the removal limit was already passed)`
        : ""
    }`,
  );
  io.line(`  keep    ${plan.unchanged}`);
  if (args.invalid > 0) io.line(`  invalid ${args.invalid} line(s), not used (listed above)`);
}

function sample(duns: string[]): string {
  if (duns.length === 0) return "";
  const shown = duns.slice(0, 5).join(", ");
  return duns.length > 5 ? ` (${shown}, …)` : ` (${shown})`;
}

async function applyPlan(
  runtime: Runtime,
  args: { ref: string; plan: SubjectSyncPlan; options: SubjectSyncOptions },
): Promise<SyncResult> {
  const { ref, plan, options } = args;
  const { output } = options;
  const api = runtime.client.registrations;
  const total = plan.adds.length + plan.removes.length;
  const progress = output.progress("sync", total);
  const done = { add: 0, remove: 0 };
  const stopped = () => options.interrupted?.() ?? false;
  try {
    for (const action of ["add", "remove"] as const) {
      const list = action === "add" ? plan.adds : plan.removes;
      // Adds go by file, the documented batch call. Removals go one DUNS at a time with the
      // verified DELETE (21114): the batch removal's field name is unknown (dnb-direct-plus.md
      // §2.0), and a removal D&B ignored would stay billed while leaving our record.
      const size = action === "add" ? BATCH_SIZE : REMOVAL_GROUP;
      for (let start = 0; start < list.length && !stopped(); start += size) {
        const chunk = list.slice(start, start + size);
        const at = new Date().toISOString();
        const entry = { at, registration: ref, action, source: options.source, duns: chunk };
        const sent: string[] = [];
        let answer: Information | null = null;
        let failure: unknown = null;
        try {
          if (action === "add") {
            answer = await api.addSubjects(ref, chunk);
            sent.push(...chunk);
          } else {
            for (const duns of chunk) {
              if (stopped()) break;
              answer = (await api.removeSubject(ref, duns)).info;
              sent.push(duns);
              progress.update(done.add + done.remove + sent.length);
            }
          }
        } catch (error) {
          failure = error;
        }
        // What D&B accepted is recorded whether or not a later call of the group failed.
        if (answer !== null && sent.length > 0) {
          await recordAcceptedChange(runtime.kv, { ...entry, duns: sent, answer });
        }
        if (failure !== null) {
          await appendAudit(runtime.kv, {
            ...entry,
            // A removal fails alone (the one in hand); an add fails as its whole file.
            duns: action === "add" ? chunk : [chunk[sent.length]],
            outcome: "failed",
            detail: failure instanceof Error ? failure.message : String(failure),
          });
          throw failure;
        }
        done[action] += sent.length;
        progress.update(done.add + done.remove);
      }
    }
  } finally {
    progress.stop();
  }
  const summary = `${done.add} added, ${done.remove} removed`;
  if (stopped() && done.add + done.remove < total) {
    output.problem(
      `interrupted: ${summary} of ${total}; running the same sync again finishes it (the plan is ` +
        "computed afresh)",
    );
    return { outcome: "interrupted", added: done.add, removed: done.remove, refusal: null };
  }
  output.line(`synced ${ref}: ${summary}`);
  return { outcome: "applied", added: done.add, removed: done.remove, refusal: null };
}
