/**
 * Alert ids already sent, per destination, for this process: a retry after a partial success
 * (the webhook took the alert, the mail server did not) sends only what is missing. The memory
 * is bounded (oldest forgotten first) and lost with the process; across a crash the alert id is
 * what protects, since every re-delivery sends the same id and the receiver de-duplicates on it.
 */
export class SentIds {
  readonly #limit: number;
  readonly #ids = new Set<string>();

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  has(destination: string, id: string): boolean {
    return this.#ids.has(`${destination}/${id}`);
  }

  add(destination: string, id: string): void {
    const key = `${destination}/${id}`;
    this.#ids.delete(key);
    this.#ids.add(key);
    while (this.#ids.size > this.#limit) {
      this.#ids.delete(this.#ids.values().next().value!);
    }
  }
}
