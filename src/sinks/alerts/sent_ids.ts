/**
 * Alert ids already sent, per destination: a retry after a partial success (the webhook took
 * the alert, the mail server did not) sends only what is missing, and a re-delivery after a
 * crash sends nothing already sent. The service passes a log on its state KV, which outlives
 * the process; only a crash between a send and its entry here sends again, with the same id,
 * which the receiver de-duplicates on.
 */
export interface SentAlertLog {
  has(destination: string, id: string): Promise<boolean>;
  add(destination: string, id: string): Promise<void>;
}

/** The log in memory, bounded (oldest forgotten first): for a process without state. */
export class SentIds implements SentAlertLog {
  readonly #limit: number;
  readonly #ids = new Set<string>();

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  has(destination: string, id: string): Promise<boolean> {
    return Promise.resolve(this.#ids.has(`${destination}/${id}`));
  }

  add(destination: string, id: string): Promise<void> {
    const key = `${destination}/${id}`;
    this.#ids.delete(key);
    this.#ids.add(key);
    while (this.#ids.size > this.#limit) {
      this.#ids.delete(this.#ids.values().next().value!);
    }
    return Promise.resolve();
  }
}
