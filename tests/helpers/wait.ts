import assert from "node:assert/strict";

/**
 * Polls `condition` until it holds, failing the test with `what` after `limitMs`. Every wait in
 * the suite is bounded this way.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  options: { limitMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = performance.now() + (options.limitMs ?? 30_000);
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}
