import { createHash } from "node:crypto";

export interface ScheduleOptions {
  /** Seconds between runs when there is no cron expression. */
  intervalSeconds: number;
  /** A 5-field cron expression (UTC); wins over the interval. */
  cron: string | null;
  /** Unique per process: Deno.cron names its jobs. */
  name: string;
  run: () => Promise<void>;
  signal: AbortSignal;
  /** Deno.cron where available; tests and runtimes without it use a timer. */
  useDenoCron?: boolean;
}

export interface ScheduleHandle {
  /** How the schedule runs: `cron <expr>` or `every <n> s`. */
  description: string;
  /** Runs skipped because the previous one was still going. */
  skipped(): number;
}

/**
 * The Deno.cron job name of a registration's ticks. Deno.cron takes letters, digits, spaces,
 * `-` and `_`, at most 64 characters, and names must differ; a reference from D&B may hold
 * anything (`SUPPLIERS/EU`). So: a readable part with everything else made `_`, and a hash of
 * the reference, which keeps look-alikes (`SUPPLIERS/EU`, `SUPPLIERS_EU`) apart.
 */
export function cronJobName(reference: string): string {
  const readable = reference.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 32);
  const hash = createHash("sha256").update(reference).digest("hex").slice(0, 12);
  return `traceone-tick-${readable}-${hash}`;
}

/**
 * The cron expression for an interval, when cron can express it exactly: whole minutes that
 * divide an hour, or whole hours that divide a day. Otherwise null, and a timer is used.
 */
export function cronForInterval(seconds: number): string | null {
  if (seconds % 60 !== 0) return null;
  const minutes = seconds / 60;
  if (minutes === 1) return "* * * * *";
  if (minutes < 60 && 60 % minutes === 0) return `*/${minutes} * * * *`;
  if (minutes % 60 !== 0) return null;
  const hours = minutes / 60;
  if (hours === 1) return "0 * * * *";
  if (hours < 24 && 24 % hours === 0) return `0 */${hours} * * *`;
  if (hours === 24) return "0 0 * * *";
  return null;
}

/**
 * Runs `run` now, then on the schedule, never two at once (an overlapping run is skipped, as
 * Deno.cron does). Deno.cron fires on the UTC clock, not relative to start, hence the first run
 * at once. Stops when `signal` aborts.
 */
export function startSchedule(options: ScheduleOptions): ScheduleHandle {
  let running = false;
  let skipped = 0;
  const fire = async () => {
    if (running || options.signal.aborted) {
      if (running) skipped++;
      return;
    }
    running = true;
    try {
      await options.run();
    } finally {
      running = false;
    }
  };
  void fire();
  const cron = options.cron ?? cronForInterval(options.intervalSeconds);
  const handle = { skipped: () => skipped };
  if (cron && (options.useDenoCron ?? true) && typeof Deno.cron === "function") {
    Deno.cron(options.name, cron, { signal: options.signal }, fire);
    return { ...handle, description: `cron ${cron} (UTC)` };
  }
  const timer = setInterval(fire, options.intervalSeconds * 1000);
  options.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  return { ...handle, description: `every ${options.intervalSeconds} s` };
}
