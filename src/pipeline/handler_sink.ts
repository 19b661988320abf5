import {
  type Batch,
  type DeliveryReceipt,
  type Sink,
  type SinkHealth,
  SinkStats,
} from "../sinks/sink.ts";
import type { JournaledNotification } from "../sinks/sink.ts";

/** Code of the user's own, run for every batch like any sink: isolated, retried, with a cursor. */
export type NotificationHandler = (
  notifications: JournaledNotification[],
  batch: Batch,
) => void | Promise<void>;

export const HANDLER_PREFIX = "handler:";

/** Wraps an in-process handler as a sink named `handler:<name>`. */
export function handlerSink(name: string, handler: NotificationHandler): Sink {
  const stats = new SinkStats();
  return {
    name: `${HANDLER_PREFIX}${name}`,
    async deliver(batch: Batch): Promise<DeliveryReceipt> {
      try {
        await handler(batch.notifications, batch);
      } catch (error) {
        stats.recordError(error);
        throw error;
      }
      const receipt = { written: batch.notifications.length };
      stats.recordWrite(receipt);
      return receipt;
    },
    health: (): SinkHealth => stats.health(),
    close: () => Promise.resolve(),
  };
}
