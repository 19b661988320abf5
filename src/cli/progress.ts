import type { CliIo } from "./io.ts";

/**
 * One line of progress: how far, how fast, and how long still. Hand-written rather than a
 * progress-bar package: those draw on standard error behind the command's back, so log lines
 * written meanwhile get glued to the bar, while `CliIo.progress` keeps them apart; what remains
 * is this line's arithmetic.
 */
export function progressLine(options: {
  label: string;
  done: number;
  total: number;
  unit: string;
  elapsedMs: number;
}): string {
  const { label, done, total, unit, elapsedMs } = options;
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 && done < total ? `ETA ${duration((total - done) / rate)}` : "";
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  return [
    `${label} ${count(done)}/${count(total)} ${unit} (${percent} %)`,
    `${rate.toFixed(rate < 10 ? 1 : 0)} ${unit}/s`,
    eta,
  ].filter(Boolean).join(" · ");
}

/** Seconds as `1h 02m`, `13m 10s` or `42s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A progress line on standard error while a bulk operation runs; silent off a terminal. */
export class Progress {
  readonly #io: CliIo;
  readonly #label: string;
  readonly #unit: string;
  readonly #total: number;
  readonly #started = performance.now();
  #shownAt = 0;

  constructor(io: CliIo, options: { label: string; unit: string; total: number }) {
    this.#io = io;
    this.#label = options.label;
    this.#unit = options.unit;
    this.#total = options.total;
  }

  update(done: number): void {
    const now = performance.now();
    // A terminal redrawn ten times a second is enough; a thousand times slows the command.
    if (done < this.#total && now - this.#shownAt < 100) return;
    this.#shownAt = now;
    this.#io.progress(progressLine({
      label: this.#label,
      done,
      total: this.#total,
      unit: this.#unit,
      elapsedMs: now - this.#started,
    }));
  }

  /** Clears the line; the caller prints the summary. */
  stop(): void {
    this.#io.progress("");
  }

  get elapsedMs(): number {
    return performance.now() - this.#started;
  }
}
