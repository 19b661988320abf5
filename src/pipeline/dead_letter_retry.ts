import type { Sink } from "../sinks/sink.ts";
import { type DeadLetters, type DeadLetterSummary, VALIDATION } from "./dead_letters.ts";
import type { Journal } from "./journal.ts";

/** What a retry of one dead letter came to. */
export interface RetryOutcome {
  ok: boolean;
  message: string;
}

/** What a retry needs of the service. */
export interface RetryDeps {
  deadLetters: DeadLetters;
  journal: Journal;
  sinks: readonly Sink[];
  processNotifications(
    raw: string[],
    options: { registration: string },
  ): Promise<{ sequence: number | null; deadLettered: number }>;
  deliverPending(): Promise<unknown>;
}

/**
 * A validation dead letter is validated again and, when valid now, journaled and handed to the
 * sinks; a sink's dead letter is delivered to that sink again with its journaled batch. The
 * letter goes only when the retry worked.
 */
export async function retryDeadLetter(
  letter: DeadLetterSummary,
  deps: RetryDeps,
): Promise<RetryOutcome> {
  const full = await deps.deadLetters.read(letter);
  if (!full) return { ok: false, message: "gone (retried or removed meanwhile)" };
  if (letter.sink === VALIDATION) {
    const result = await deps.processNotifications([full.raw], {
      registration: letter.registration,
    });
    if (result.deadLettered > 0) {
      const again = await deps.deadLetters.read(letter);
      return { ok: false, message: `still invalid: ${again?.reason ?? letter.reason}` };
    }
    await deps.deadLetters.remove(letter);
    await deps.deliverPending();
    return {
      ok: true,
      message: result.sequence === null
        ? "valid now; it was already journaled"
        : `valid now; journaled as batch ${result.sequence} and handed to the sinks`,
    };
  }
  const sink = deps.sinks.find((s) => s.name === letter.sink);
  if (!sink) {
    return { ok: false, message: `sink ${letter.sink} is not enabled in this configuration` };
  }
  const batch = letter.batchSequence === null
    ? null
    : await deps.journal.read(letter.registration, letter.batchSequence);
  if (!batch) {
    return {
      ok: false,
      message:
        `its batch is no longer in the journal; "deadletters show ${letter.notificationId}" ` +
        "prints the raw JSON",
    };
  }
  try {
    await sink.deliver(batch);
  } catch (error) {
    return { ok: false, message: `${sink.name} refused again: ${(error as Error).message}` };
  }
  await deps.deadLetters.remove(letter);
  return { ok: true, message: `delivered to ${sink.name} with batch ${batch.sequence}` };
}
