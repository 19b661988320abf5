import type { FileFormat } from "../config/config.ts";
import type { BatchFormat } from "./batch_format.ts";
import { type Batch, type RejectedNotification, SinkRejectedError } from "./sink.ts";

export type { BatchFormat, FormatContext } from "./batch_format.ts";
import { csvFormat } from "./format_csv.ts";
import { jsonFormat } from "./format_json.ts";
import { ndjsonFormat } from "./format_ndjson.ts";
import { xmlFormat } from "./format_xml.ts";

// One entry per format: a new format is its own file plus one line here; sinks never change.
const FORMATS: Readonly<Record<FileFormat, BatchFormat>> = {
  json: jsonFormat,
  ndjson: ndjsonFormat,
  csv: csvFormat,
  xml: xmlFormat,
};

/** The encoder of a configured `file_format`. */
export function formatFor(name: FileFormat): BatchFormat {
  const format = FORMATS[name];
  if (format === undefined) throw new UnknownFormatError(name);
  return format;
}

/** A `file_format` that no encoder handles: config validation should have caught it. */
export class UnknownFormatError extends Error {
  readonly code = "SINK_FORMAT_UNKNOWN";
  readonly format: string;

  constructor(format: string) {
    super(
      `no file format "${format}" (expected one of ${
        Object.keys(FORMATS).join(", ")
      }); fix file_format in the storage configuration`,
    );
    this.name = "UnknownFormatError";
    this.format = format;
  }
}

/**
 * Encodes a batch for a file sink. Encoders work on parsed JSON and cannot fail on it; should one
 * fail anyway, the notifications that fail on their own are refused (`SinkRejectedError` for
 * `sink`), so the rest of the batch is not held back forever.
 */
export function encodeBatch(
  format: BatchFormat,
  batch: Batch,
  options: { sink: string; storageType: string },
): Uint8Array {
  const context = { storageType: options.storageType };
  try {
    return format.encode(batch, context);
  } catch (batchError) {
    const rejected: RejectedNotification[] = [];
    for (const entry of batch.notifications) {
      try {
        format.encode({ ...batch, notifications: [entry] }, context);
      } catch (error) {
        rejected.push({ id: entry.id, reason: `cannot encode: ${messageOf(error)}` });
      }
    }
    if (rejected.length === 0) {
      rejected.push(...batch.notifications.map((entry) => ({
        id: entry.id,
        reason: `cannot encode the batch: ${messageOf(batchError)}`,
      })));
    }
    throw new SinkRejectedError(options.sink, rejected);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
