import type { Information } from "../dnb/registrations_api.ts";
import { appendAudit, type AuditEntry } from "./audit_log.ts";
import { recordSubjects } from "./subject_record.ts";

/**
 * A change D&B accepted: in the audit log first (it happened, whatever follows), then in this
 * service's record of the registration's subjects, which `registrations sync` works from.
 */
export async function recordAcceptedChange(
  kv: Deno.Kv,
  change: Omit<AuditEntry, "outcome" | "detail"> & { answer: Information },
): Promise<void> {
  const { answer, ...entry } = change;
  const detail = [answer.code, answer.message].filter(Boolean).join(" ") || null;
  await appendAudit(kv, { ...entry, outcome: "ok", detail });
  await recordSubjects(kv, {
    reference: change.registration,
    duns: change.duns,
    present: change.action === "add",
    at: change.at,
  });
}
