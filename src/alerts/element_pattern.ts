/**
 * Element paths of alert rules: `organization.dnbAssessment.failureScore.*`. Paths are split
 * on `.`; `*` inside a segment stands for any characters of that one segment (so `*` alone is
 * one whole segment), a `**` segment for any number of segments, none included. Everything else
 * is literal, `[0]` too, so a rule never matches more than its author wrote.
 */
export type ElementPattern = (path: string) => boolean;

/** A matcher for `pattern`; compile once per rule, not per element. */
export function compileElementPattern(pattern: string): ElementPattern {
  const parts = pattern.split(".").map((segment) =>
    segment === "**" ? null : new RegExp(`^${segment.split("*").map(escapeRegExp).join("[^]*")}$`)
  );
  return (path) => matchFrom(parts, 0, path.split("."), 0);
}

/** Whether `path` matches any of `patterns`; an empty list matches every path. */
export function matchesAnyElement(patterns: readonly ElementPattern[], path: string): boolean {
  return patterns.length === 0 || patterns.some((matches) => matches(path));
}

// Patterns and paths are a handful of segments, so plain backtracking is cheap.
function matchFrom(parts: (RegExp | null)[], i: number, segments: string[], j: number): boolean {
  if (i === parts.length) return j === segments.length;
  const part = parts[i];
  if (part === null) {
    for (let k = j; k <= segments.length; k++) {
      if (matchFrom(parts, i + 1, segments, k)) return true;
    }
    return false;
  }
  return j < segments.length && part.test(segments[j]) && matchFrom(parts, i + 1, segments, j + 1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.|?+()[\]{}]/g, "\\$&");
}
