/**
 * What `registrations sync` changes: the difference between the list a customer keeps (a file,
 * a query of their own database) and the registration's subjects. Direct+ has no call that lists
 * a registration's subjects in the response: the export is delivered as a file to the
 * registration's destination (dnb-direct-plus.md §2), and the check call answers one DUNS at a
 * time. So the current list is the export when the user hands one over, else this service's own
 * record of what it added and removed, each removal confirmed with the check call first.
 */

/** Where the current list came from. */
export type SyncBasis = "export" | "record";

export interface SubjectSyncInput {
  desired: readonly string[];
  /** The registration's subjects from a D&B export file; null without one. */
  exported: ReadonlySet<string> | null;
  /** The subjects this service added and has not removed since. */
  recorded: ReadonlySet<string>;
}

export interface SubjectSyncPlan {
  basis: SyncBasis;
  adds: string[];
  /**
   * With an export: what to remove. From the record: candidates, each checked before removal
   * (one added elsewhere and removed elsewhere again is not there any more).
   */
  removes: string[];
  /** Desired subjects already there. */
  unchanged: number;
  /** How many subjects the registration is believed to have now. */
  current: number;
}

/** The adds and removes that make the registration hold exactly `desired`. */
export function planSubjectSync(input: SubjectSyncInput): SubjectSyncPlan {
  const desired = new Set(input.desired);
  const current = input.exported ?? input.recorded;
  const adds = [...desired].filter((duns) => !current.has(duns));
  const removes = [...current].filter((duns) => !desired.has(duns)).sort();
  return {
    basis: input.exported ? "export" : "record",
    adds,
    removes,
    unchanged: desired.size - adds.length,
    current: current.size,
  };
}

/** A sync would remove more than its limit allows. */
export class SyncRemovalLimitError extends Error {
  readonly code = "SYNC_REMOVAL_LIMIT";

  constructor(message: string) {
    super(message);
    this.name = "SyncRemovalLimitError";
  }
}

/**
 * Refuses a plan that removes more than `maxPercent` % of the current subjects: a truncated file
 * or a query against the wrong table must not empty a registration. `force` lifts the limit.
 */
export function checkRemovalLimit(
  plan: SubjectSyncPlan,
  options: { maxPercent: number; force: boolean; reference: string },
): void {
  if (options.force || plan.removes.length === 0) return;
  const share = plan.current === 0 ? 100 : (plan.removes.length / plan.current) * 100;
  if (share <= options.maxPercent) return;
  throw new SyncRemovalLimitError(
    `refused: the sync would remove ${plan.removes.length} of ${plan.current} subjects of ` +
      `${options.reference} (${
        share.toFixed(1)
      } %), more than the limit of ${options.maxPercent} %` +
      " (check the list; pass --force, or raise --max-remove-percent, to remove them anyway)",
  );
}
