/**
 * Wire shapes of D&B Direct+ Monitoring, as recorded from the real API (see
 * shared/dnb-direct-plus.md §2–§4). Spellings are exact: `deliveryTimeStamp` has a capital S,
 * `transactionTimestamp` does not.
 */

/** The nine notification types D&B documents. Other strings are kept, not rejected. */
export const NOTIFICATION_TYPES = [
  "UPDATE",
  "SEED",
  "DELETE",
  "UNDELETE",
  "TRANSFER",
  "UNDER_REVIEW",
  "REVIEWED",
  "EXIT",
  "REMOVED",
] as const;

export type KnownNotificationType = typeof NOTIFICATION_TYPES[number];

export interface TransactionDetail {
  transactionID: string;
  transactionTimestamp: string;
  inLanguage: string;
  productID?: string;
  productVersion?: string;
  [key: string]: unknown;
}

/** One changed JSON path. `previous`/`current` may be scalars, objects, arrays or null. */
export interface NotificationElement {
  element: string;
  previous?: unknown;
  current?: unknown;
  /** Optional: D&B omits it on some elements. */
  timestamp?: string;
  [key: string]: unknown;
}

export interface Notification {
  type: string;
  organization: { duns: string; [key: string]: unknown };
  elements: NotificationElement[];
  deliveryTimeStamp: string;
  [key: string]: unknown;
}

export interface PullResponseBody {
  transactionDetail: TransactionDetail;
  inquiryDetail: { reference: string };
  notifications: Notification[];
}

export interface ErrorBody {
  transactionDetail: TransactionDetail;
  error: {
    errorCode: string;
    errorMessage: string;
    errorDetails?: { parameter?: string; description?: string }[];
  };
}

export interface InformationBody {
  transactionDetail: TransactionDetail;
  information: { code: string; message: string };
}

export interface RegistrationListBody {
  transactionDetail: TransactionDetail;
  messages: { references: string[] };
}

/** `messages.registration` of GET registration. `createdDate` has no `T` and no zone. */
export interface Registration {
  reference: string;
  destination?: { type: string };
  productId?: string;
  versionId?: string;
  /** One comma-joined string. */
  email?: string;
  seedData?: boolean;
  fileTransferProfile?: string;
  description?: string;
  createdDate?: string;
  lastUpdatedDate?: string;
  thresholds?: unknown[];
  orderReason?: string;
  deliveryTrigger?: string;
  deliveryFrequency?: string;
  notificationType?: string;
  [key: string]: unknown;
}

export interface RegistrationDetailsBody {
  transactionDetail: TransactionDetail;
  inquiryDetail: { reference: string };
  messages: {
    notificationsSuppressed: boolean;
    registration: Registration;
    state: string;
    [key: string]: unknown;
  };
}

/** Information and error codes of the Monitoring API. */
export const MONITORING_CODES = {
  duplicateSubject: "21012",
  batchAccepted: "21108",
  subjectPresent: "21110",
  subjectAdded: "21113",
  subjectRemoved: "21114",
} as const;

/** General error codes (DOC-CODES). */
export const ERROR_CODES = {
  requestTimeout: "00002",
  invalidParameters: "00003",
  malformedPayload: "00008",
  internalError: "00034",
  notFound: "00037",
  tokenExpired: "00040",
  badCredentials: "00041",
  tooManyRequests: "00045",
  dunsNotFound: "10001",
} as const;
