/**
 * Codes and messages the simulator answers with. Real codes come from `src/model/payload.ts`;
 * every code defined here covers a case the public sources leave [UNKNOWN] and is marked
 * "simulated" so nobody mistakes it for D&B's (dnb-direct-plus.md §4.5 recommends 21xxx codes).
 */
import { ERROR_CODES, MONITORING_CODES } from "../model/payload.ts";

export const SIMULATED_CODES = {
  /** simulated: unknown registration reference (404). */
  registrationNotFound: "21901",
  /** simulated: pull or replay found nothing to hand over (404), also while suppressed. */
  noNotifications: "21902",
  /** simulated: pull or replay on a registration whose deliveryTrigger is not API_PULL (400). */
  notApiPull: "21903",
  /** simulated: create with a reference that already exists (400). */
  duplicateRegistration: "21904",
  /** simulated: registration created (information). */
  registrationCreated: "21905",
  /** simulated: registration edited (information). */
  registrationUpdated: "21906",
  /** simulated: registration deleted (information). */
  registrationDeleted: "21907",
  /** simulated: notifications suppressed (information). */
  notificationsSuppressed: "21908",
  /** simulated: notifications unsuppressed, i.e. activated (information). */
  notificationsUnsuppressed: "21909",
  /** simulated: export of the subject list accepted (information, 202). */
  exportAccepted: "21910",
} as const;

/** Real codes that `payload.ts` does not list. */
export const OTHER_CODES = {
  /** Missing or unentitled bearer token, seen on a live unauthenticated probe (AE). */
  unauthorized: "00004",
  /** v3 token request without grant_type, embedded in the OAuth text (DOC-ERR). */
  missingGrantType: "05007",
} as const;

/** Code of an Exceptions record for a rejected batch line (UKT's test data uses it). */
export const EXCEPTION_CODE_INVALID_DUNS = "110110";

export const MESSAGES = {
  [ERROR_CODES.requestTimeout]: "Request timeout",
  [ERROR_CODES.invalidParameters]: "One or more parameters are invalid or missing",
  [ERROR_CODES.malformedPayload]: "Malformed payload",
  [ERROR_CODES.internalError]: "Internal Server Error",
  [ERROR_CODES.notFound]: "Not Found",
  [ERROR_CODES.tokenExpired]: "Access token expired",
  [ERROR_CODES.badCredentials]:
    "You are not currently authorised to access this product. Please contact your D&B account representative",
  [ERROR_CODES.tooManyRequests]: "Too Many Requests",
  [ERROR_CODES.dunsNotFound]: "DUNS not found",
  [OTHER_CODES.unauthorized]:
    "You are not currently authorised to access this product. Please contact your D&B account representative",
  [MONITORING_CODES.duplicateSubject]:
    "The requested duns already exists in your registration profile",
  [MONITORING_CODES.subjectPresent]: "DUNS is available in registration",
  [SIMULATED_CODES.registrationNotFound]: "Registration not found",
  [SIMULATED_CODES.noNotifications]: "No notifications available, calls were already made",
  [SIMULATED_CODES.notApiPull]: "Registration is not configured for API_PULL delivery",
  [SIMULATED_CODES.duplicateRegistration]: "A registration with this reference already exists",
  [SIMULATED_CODES.registrationCreated]: "Registration created successfully.",
  [SIMULATED_CODES.registrationUpdated]: "Registration updated successfully.",
  [SIMULATED_CODES.registrationDeleted]: "Registration deleted successfully.",
  [SIMULATED_CODES.notificationsSuppressed]: "Notifications suppressed for registration.",
  [SIMULATED_CODES.notificationsUnsuppressed]: "Notifications activated for registration.",
  [SIMULATED_CODES.exportAccepted]:
    "Request to export subjects accepted, the file will be delivered to the registration destination.",
} as const satisfies Record<string, string>;

/** Message variants of the subject operations: the legacy `duns` family words them differently. */
export const SUBJECT_MESSAGES = {
  duns: {
    added: "Requested duns added to registration successfully.",
    // The two spaces are on the wire in the VCR capture; clients may compare exactly.
    removed: "Requested duns removed from registration  successfully.",
  },
  subjects: {
    added: "Requested subjectID added to registration successfully.",
    removed: "Requested subjectID removed from registration successfully.",
  },
} as const;

export const BATCH_MESSAGES = {
  add: "Request to append subjectIDs to registration accepted, processing pending.",
  remove: "Request to remove subjectIDs from registration accepted, processing pending.",
} as const;

export function messageFor(code: string): string {
  return (MESSAGES as Record<string, string>)[code] ?? "Simulated error";
}
