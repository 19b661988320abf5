/** One monitoring registration as the simulator keeps it, and its §2.2 wire form. */
import type { Registration } from "../model/payload.ts";
import { createdDateText, isoSeconds } from "./timestamps.ts";

/**
 * A notification kept as the exact JSON text that goes on the wire. D&B stamps
 * `deliveryTimeStamp` when a pull hands the notification over (dnb-direct-plus.md §3.2), so a
 * queued item usually has no stamp yet (`deliveryMs` null): the pull that takes it appends one
 * to `text`, and it keeps it in the replay log.
 */
export interface StoredNotification {
  text: string;
  /** `organization.duns` when readable: batch removal drops queued items by DUNS. */
  duns: string | null;
  /**
   * The delivery stamp; null until a pull stamps the item. A text enqueued verbatim has the
   * stamp it carries (or its enqueue time when it carries none) from the start.
   */
  deliveryMs: number | null;
  enqueuedMs: number;
  pulledMs?: number;
}

/** A line of the Exceptions file D&B delivers after a batch (`DUNS\tCode\tInformation`). */
export interface ExceptionRecord {
  duns: string;
  code: string;
  information: string;
}

export interface ExportRecord {
  kind: "subjects" | "duns";
  requestedAt: string;
  subjectCount: number;
}

export interface RegistrationFields {
  description?: string;
  productId?: string;
  versionId?: string;
  notificationFormat?: string;
  notificationType?: string;
  deliveryFrequency?: string;
  deliveryTrigger?: string;
  destinationType?: string;
  email?: string[];
  seedData?: boolean;
  fileTransferProfile?: string;
  suppressed?: boolean;
}

export interface SimRegistration {
  reference: string;
  description: string;
  productId: string;
  versionId: string;
  notificationFormat: string;
  notificationType: string;
  deliveryFrequency: string;
  deliveryTrigger: string;
  destinationType: string;
  email: string[];
  seedData: boolean;
  fileTransferProfile: string | null;
  orderReason: string;
  createdMs: number;
  lastUpdatedMs: number;
  /** Insertion-ordered, so lists and exports are stable. */
  subjects: Set<string>;
  suppressed: boolean;
  /** When notifications were last unsuppressed: held items start their 4-day clock here. */
  activatedMs: number;
  queue: StoredNotification[];
  replayLog: StoredNotification[];
  exceptions: ExceptionRecord[];
  exports: ExportRecord[];
}

/** Defaults copy the VCR capture of a live API_PULL registration. */
export function newRegistration(
  reference: string,
  fields: RegistrationFields & { nowMs: number },
): SimRegistration {
  const { nowMs } = fields;
  return {
    reference,
    description: fields.description ?? "",
    productId: fields.productId ?? "cmpelk",
    versionId: fields.versionId ?? "v2",
    notificationFormat: fields.notificationFormat ?? "JSON",
    notificationType: fields.notificationType ?? "UPDATE",
    deliveryFrequency: fields.deliveryFrequency ?? "DAILY",
    deliveryTrigger: fields.deliveryTrigger ?? "API_PULL",
    destinationType: fields.destinationType ?? "STP",
    email: fields.email ?? [],
    seedData: fields.seedData ?? false,
    fileTransferProfile: fields.fileTransferProfile ?? null,
    orderReason: "6332",
    createdMs: nowMs,
    lastUpdatedMs: nowMs,
    subjects: new Set(),
    suppressed: fields.suppressed ?? false,
    activatedMs: nowMs,
    queue: [],
    replayLog: [],
    exceptions: [],
    exports: [],
  };
}

/** `messages.registration` of GET registration, with the real quirks (createdDate, email). */
export function wireRegistration(registration: SimRegistration): Registration {
  const wire: Registration = {
    reference: registration.reference,
    destination: { type: registration.destinationType },
    productId: registration.productId,
    versionId: registration.versionId,
    email: registration.email.join(","),
    seedData: registration.seedData,
  };
  if (registration.fileTransferProfile !== null) {
    wire.fileTransferProfile = registration.fileTransferProfile;
  }
  Object.assign(wire, {
    description: registration.description,
    createdDate: createdDateText(registration.createdMs),
    lastUpdatedDate: isoSeconds(registration.lastUpdatedMs),
    thresholds: [],
    orderReason: registration.orderReason,
    deliveryTrigger: registration.deliveryTrigger,
    deliveryFrequency: registration.deliveryFrequency,
    notificationType: registration.notificationType,
  });
  return wire;
}
