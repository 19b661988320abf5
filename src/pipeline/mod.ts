/**
 * The pipeline's only door (design.md): everything outside `src/pipeline/` imports from here,
 * so what lies behind it can be rearranged freely.
 */
export { MonitoringService, type ProcessResult, type ServiceOptions } from "./service.ts";
export { ServiceMetrics } from "./metrics.ts";
export type { ApiPoint, SinkPoint } from "./history.ts";
export { type DeadLetter, type DeadLetterSummary, VALIDATION } from "./dead_letters.ts";
export type { RetryOutcome } from "./dead_letter_retry.ts";
export type { RecoveryResult, TickOutcome, TickResult } from "./monitor.ts";
export type { NotificationHandler } from "./handler_sink.ts";
export { markRegistrationsChanged } from "./registration_list.ts";
export { cronForInterval } from "./schedule.ts";
export { recordedSubjects, recordSubjects } from "./subject_record.ts";
export { readDunsExport } from "./duns_export.ts";
export { kvSentAlertLog } from "./sent_alert_log.ts";
export { appendAudit, type AuditEntry, latestAudit } from "./audit_log.ts";
export { claimScheduledSync } from "./sync_claim.ts";
export { recordAcceptedChange } from "./subject_change.ts";
export {
  healthSummary,
  readinessOf,
  readinessReasons,
  STATUS_SECTIONS,
  type StatusJson,
  statusJson,
} from "./status.ts";
export { importPushFile, type PushImportResult } from "./push_import.ts";
export { parsePushFileHeader } from "./push_file.ts";
