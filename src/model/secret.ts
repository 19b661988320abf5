const REDACTED = "***";
const revealedValue = new WeakMap<Secret, string>();

/**
 * A value that must never be printed: client secrets, passwords, passphrases, tokens.
 * Every way of turning it into text (template strings, `JSON.stringify`, `console.log`,
 * `Deno.inspect`) yields `***`; only `reveal()` gives the value, at the one place that sends it.
 * The value sits in a WeakMap rather than a field so that no structural walk of the object can
 * reach it.
 */
export class Secret {
  constructor(value: string) {
    revealedValue.set(this, value);
  }

  reveal(): string {
    return revealedValue.get(this) ?? "";
  }

  /** True when the wrapped value is the empty string. */
  get isEmpty(): boolean {
    return this.reveal() === "";
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for("Deno.customInspect")](): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

export { REDACTED };

/** `text` with every occurrence of each secret replaced by `***`: a last line of defence. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) masked = masked.replaceAll(secret, REDACTED);
  return masked;
}
