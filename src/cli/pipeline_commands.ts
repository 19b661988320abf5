import type { Command } from "commander";
import type {
  DeadLetterSummary,
  MonitoringService,
  RecoveryResult,
  TickOutcome,
} from "../pipeline/mod.ts";
import type { CliIo } from "./io.ts";
import type { Runtime } from "./runtime.ts";
import { openServiceSession, setupCommandLogging } from "./service_session.ts";
import { UsageError } from "./usage_error.ts";

export interface PipelineCommandDeps {
  io: CliIo;
  withRuntime<T>(command: Command, work: (runtime: Runtime) => Promise<T>): Promise<T>;
}

export function registerPipelineCommands(program: Command, deps: PipelineCommandDeps): void {
  const { io } = deps;
  const withService = <T>(command: Command, work: (service: MonitoringService) => Promise<T>) =>
    deps.withRuntime(command, async (runtime) => {
      setupCommandLogging(runtime.config, io);
      const session = await openServiceSession(runtime);
      try {
        return await work(session.service);
      } finally {
        await session.close();
      }
    });

  program.command("pull <ref>")
    .description("drain a registration to the end, through the journal into every sink")
    .action((ref: string, _options, command: Command) =>
      withService(command, async (service) => {
        const [tick] = await service.tick(ref, {
          // A long backlog drains at one page per D&B second: say that it goes on.
          onProgress: (sofar) =>
            io.err(
              `${ref}: ${sofar.pulls} pull request(s) so far, ${sofar.received} received; ` +
                "more are queued at D&B, draining on",
            ),
        });
        if (tick.recovery) io.out(describeRecovery(tick.recovery));
        io.out(
          `${ref}: ${describeOutcome(tick.outcome)}; ${tick.pulls} pull request(s), ` +
            `${tick.received} received, ` +
            `${tick.journaled} journaled, ${tick.duplicates} duplicate(s), ` +
            `${tick.deadLettered} dead-lettered`,
        );
        const recoveries = [...(tick.recovery ? [tick.recovery] : []), ...tick.recoveries];
        if (tick.lostResponses > 0) {
          const recovered = tick.recoveries.reduce(
            (n, r) => ({
              received: n.received + r.received,
              journaled: n.journaled + r.journaled,
              duplicates: n.duplicates + r.duplicates,
            }),
            { received: 0, journaled: 0, duplicates: 0 },
          );
          io.out(
            `${ref}: ${tick.lostResponses} answer(s) did not arrive whole; recovered through ` +
              `replay: ${recovered.received} received, ${recovered.journaled} journaled, ` +
              `${recovered.duplicates} already journaled`,
          );
        }
        if (recoveries.length > 0) {
          const total = recoveries.reduce((n, r) => n + r.journaled, tick.journaled);
          io.out(`${ref}: ${total} journaled in all`);
        }
        for (const recovery of tick.recoveries) {
          if (recovery.gap) io.out(`WARNING: ${recovery.gap.message}`);
        }
        if (tick.error) io.err(`error: ${tick.error}`);
        const ok = await reportDelivery(service, io);
        if (tick.outcome === "failed" || !ok) io.setExitCode(1);
      })
    );

  program.command("replay <ref>")
    .description("re-fetch notifications through D&B's replay API (14-day window)")
    .requiredOption("--since <time>", "an ISO time (2026-11-20T08:00:00Z) or an age: 3d, 12h, 30m")
    .action((ref: string, options: { since: string }, command: Command) => {
      const since = parseSince(options.since, Date.now());
      return withService(command, async (service) => {
        const result = await service.replay(ref, {
          since,
          onProgress: (progress) =>
            io.progress(
              `replay ${ref}: ${progress.received} received, ${progress.journaled} new, ` +
                `${progress.duplicates} already journaled`,
            ),
        });
        io.progress("");
        io.out(describeRecovery(result));
        if (!(await reportDelivery(service, io))) io.setExitCode(1);
      });
    });

  const letters = program.command("deadletters").alias("dl")
    .description("notifications that failed validation or that a sink refused");

  letters.command("list").option("--sink <name>", "only this sink's (or validation)")
    .option("--json", "one JSON array of the dead letters, without their raw JSON")
    .action((options: { sink?: string; json?: boolean }, command: Command) =>
      withService(command, async (service) => {
        if (options.sink !== undefined) knownSink(service, options.sink);
        const all = await service.deadLetters.list({ sink: options.sink });
        if (options.json) return io.out(JSON.stringify(all, null, 2));
        if (all.length === 0) io.out("no dead letters");
        for (const letter of all) io.out(summaryLine(letter));
      })
    );

  letters.command("show <id>").description("one dead letter with its raw JSON")
    .option("--json", "the dead letter as JSON, raw JSON included as a string")
    .action((id: string, options: { json?: boolean }, command: Command) =>
      withService(command, async (service) => {
        const letter = await findOne(service, id);
        const full = await service.deadLetters.read(letter);
        if (options.json) {
          return io.out(JSON.stringify({ ...letter, raw: full?.raw ?? null }, null, 2));
        }
        io.out(summaryLine(letter));
        io.out(`reason: ${letter.reason}`);
        io.out(`raw JSON (${letter.rawBytes} bytes):`);
        io.out(full?.raw ?? "(missing)");
      })
    );

  letters.command("retry <id>")
    .description("validate again and journal it, or deliver its batch to the sink again")
    .action((id: string, _options, command: Command) =>
      withService(command, async (service) => {
        const letter = await findOne(service, id);
        const outcome = await service.retryDeadLetter(letter);
        io.out(`${letter.key}: ${outcome.message}`);
        if (!outcome.ok) io.setExitCode(1);
      })
    );

  letters.command("discard [id]")
    .description("remove a dead letter for good, raw JSON and all (or --sink S --all)")
    .option("--sink <name>", "with --all: every dead letter of this sink (or validation)")
    .option("--all", "every dead letter of --sink")
    .option("--yes", "confirm discarding more than one")
    .action(
      (
        id: string | undefined,
        options: { sink?: string; all?: boolean; yes?: boolean },
        command: Command,
      ) => {
        if (id !== undefined && options.all) {
          throw new UsageError("deadletters discard: give an id or --sink S --all, not both");
        }
        if (id === undefined && !(options.all && options.sink)) {
          throw new UsageError("deadletters discard: give an id, or --sink S --all --yes");
        }
        return withService(command, async (service) => {
          if (id !== undefined) {
            const letter = await findOne(service, id);
            await service.discardDeadLetter(letter);
            return io.out(`${letter.key}: discarded`);
          }
          knownSink(service, options.sink!);
          const all = await service.deadLetters.list({ sink: options.sink });
          if (!options.yes) {
            throw new UsageError(
              `deadletters discard: this removes ${all.length} dead letter(s) of ` +
                `${options.sink} for good; add --yes to confirm`,
            );
          }
          for (const letter of all) await service.discardDeadLetter(letter);
          io.out(`${options.sink}: ${all.length} dead letter(s) discarded`);
        });
      },
    );
}

/** A tick's outcome in words. */
export function describeOutcome(outcome: TickOutcome): string {
  switch (outcome) {
    case "drained":
      return "drained";
    case "cap":
      return "more queued at D&B (stopped at max_pulls_per_tick)";
    case "stopped":
      return "stopped";
    case "lease_held":
      return "skipped: another instance holds this registration";
    case "failed":
      return "failed";
    default:
      // A newer service's outcome this build does not know: shown as it is.
      return String(outcome);
  }
}

/** A sink name a dead letter can have, or a usage error listing those that exist. */
function knownSink(service: MonitoringService, name: string): void {
  const names = service.deadLetterSinks();
  if (!names.includes(name)) {
    throw new UsageError(`no sink named "${name}"; the sinks are: ${names.join(", ")}`);
  }
}

async function findOne(service: MonitoringService, query: string): Promise<DeadLetterSummary> {
  const found = await service.deadLetters.find(query);
  if (found.length === 0) {
    const some = await service.deadLetters.list({ limit: 10 });
    throw new UsageError(
      `no dead letter matches "${query}"` +
        (some.length === 0
          ? " (there are none)"
          : `; some there are:\n  ${some.map((l) => l.key).join("\n  ")}`),
    );
  }
  if (found.length > 1) {
    throw new UsageError(
      `"${query}" matches ${found.length} dead letters; give more of the id:\n  ` +
        found.slice(0, 10).map((l) => l.key).join("\n  "),
    );
  }
  return found[0];
}

/** Delivers what the sinks lack, prints one line per sink; false when one stayed behind. */
export async function reportDelivery(service: MonitoringService, io: CliIo): Promise<boolean> {
  const results = await service.deliverPending();
  let ok = true;
  for (const [sink, result] of Object.entries(results)) {
    io.out(`${sink}: ${result.current ? "current" : `behind (${result.error})`}`);
    ok &&= result.current;
  }
  return ok;
}

function describeRecovery(result: RecoveryResult): string {
  const lines = [
    `replayed since ${result.since} (${result.reason}): ${result.received} received, ` +
    `${result.journaled} journaled, ${result.duplicates} already journaled, ` +
    `${result.deadLettered} dead-lettered`,
  ];
  if (result.gap) lines.push(`WARNING: ${result.gap.message}`);
  for (const crowded of result.crowdedSeconds) {
    if (crowded.second === result.gap?.from) continue;
    lines.push(
      `WARNING: more notifications share ${crowded.second} than one replay response holds ` +
        `(${crowded.unreachable} journaled one(s) beyond reach)`,
    );
  }
  return lines.join("\n");
}

function summaryLine(letter: DeadLetterSummary): string {
  const batch = letter.batchSequence === null ? "" : ` batch ${letter.batchSequence}`;
  return `${letter.key}  ${letter.at}  ${letter.registration}${batch}  ${letter.reason}`;
}

/** `--since`: an ISO time, or an age such as `3d`, `12h`, `30m`. */
export function parseSince(text: string, nowMs: number): Date {
  const age = /^(\d+(?:\.\d+)?)([dhm])$/.exec(text.trim());
  if (age) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as "d" | "h" | "m"];
    return new Date(nowMs - Number(age[1]) * unit);
  }
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d\d-\d\d/.test(text)) {
    throw new UsageError(
      `--since: expected an ISO time or an age like 3d, 12h, 30m; got "${text}"`,
    );
  }
  return new Date(at);
}
