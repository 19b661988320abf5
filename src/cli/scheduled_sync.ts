import type { SyncConfig } from "../config/config.ts";
import { nextCronRuns } from "../config/cron_schedule.ts";
import { logger } from "../log.ts";
import { appendAudit, claimScheduledSync } from "../pipeline/mod.ts";
import type { Runtime } from "./runtime.ts";
import { runSubjectSync, type SyncResult } from "./sync_command.ts";

const log = logger("sync");

/**
 * One run of a `monitoring.sync` entry, reporting to the log. A refusal (the removal limit, an
 * invalid line) changes nothing and lands in the audit log, so `/status` and the dashboard show
 * that the list and the registration have drifted apart.
 */
export async function runScheduledSync(
  runtime: Runtime,
  entry: SyncConfig,
  options: { interrupted?: () => boolean } = {},
): Promise<SyncResult> {
  const properties = { registration: entry.registration };
  const result = await runSubjectSync(runtime, {
    reference: entry.registration,
    file: entry.file,
    fromSql: entry.from_sql,
    exportFiles: [],
    verify: entry.verify,
    maxRemovePercent: entry.max_remove_percent,
    force: false,
    dryRun: false,
    source: "sync (scheduled)",
    interrupted: options.interrupted,
    output: {
      line: (text) => log.info("{registration}: {text}", { ...properties, text }),
      problem: (text) => log.warn("{registration}: {text}", { ...properties, text }),
      progress: () => ({ update() {}, stop() {} }),
    },
  });
  if (result.outcome === "refused") {
    log.warn("{registration}: scheduled sync {refusal}", {
      ...properties,
      refusal: result.refusal,
    });
    await appendAudit(runtime.kv, {
      at: new Date().toISOString(),
      registration: entry.registration,
      action: "sync",
      source: "sync (scheduled)",
      duns: [],
      outcome: "failed",
      detail: result.refusal,
    });
  }
  return result;
}

/**
 * Runs every `monitoring.sync` entry on its cron schedule (UTC) until `signal` aborts, which
 * also stops a run after the batch in hand; `idle()` waits for it. Not at start: a restart
 * should not cost a sync's check calls. A failed run is logged and the next one comes on
 * schedule.
 */
export function startScheduledSyncs(
  runtime: Runtime,
  options: { signal: AbortSignal },
): { idle(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  const owner = crypto.randomUUID();
  for (const [index, entry] of runtime.config.monitoring.sync.entries()) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = () => {
      if (options.signal.aborted) return;
      const [at] = nextCronRuns(entry.schedule, { from: new Date() }) ?? [];
      if (at === undefined) {
        log.warn("{registration}: no next run can be computed for cron {schedule}; not synced", {
          registration: entry.registration,
          schedule: entry.schedule,
        });
        return;
      }
      const wait = at.getTime() - Date.now();
      // A timer holds at most 2^31 - 1 ms (24.8 days); a monthly run waits in steps.
      if (wait > MAX_TIMER_MS) {
        timer = setTimeout(next, MAX_TIMER_MS);
        return;
      }
      timer = setTimeout(async () => {
        const run = claimedRun(runtime, { entry, index, at, owner, signal: options.signal })
          .catch((error) =>
            log.error("{registration}: scheduled sync failed: {error}", {
              registration: entry.registration,
              error: error instanceof Error ? error.message : String(error),
            })
          );
        running.add(run);
        await run;
        running.delete(run);
        next();
      }, Math.max(0, wait));
    };
    options.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
    next();
    log.info("{registration}: synced with {list} on cron {schedule} (UTC)", {
      registration: entry.registration,
      list: entry.file ?? "from_sql",
      schedule: entry.schedule,
    });
  }
  return { idle: async () => void await Promise.all(running) };
}

/** The run scheduled at `at`, unless another instance on the same KV claimed it first. */
async function claimedRun(
  runtime: Runtime,
  run: { entry: SyncConfig; index: number; at: Date; owner: string; signal: AbortSignal },
): Promise<void> {
  const { entry, at } = run;
  const claim = { registration: entry.registration, entry: run.index, at, owner: run.owner };
  if (!(await claimScheduledSync(runtime.kv, claim))) {
    log.info("{registration}: the sync due at {at} is run by another instance", {
      registration: entry.registration,
      at: at.toISOString(),
    });
    return;
  }
  await runScheduledSync(runtime, entry, { interrupted: () => run.signal.aborted });
}

const MAX_TIMER_MS = 2 ** 31 - 1;
