const REDACTED = "***";
const revealedValue = new WeakMap<Secret, string>();
/**
 * Every secret value this process holds, so that text coming back from outside (a D&B error
 * body echoing the credentials, a server message) can be masked wherever it is printed without
 * each place knowing which secrets exist. Values shorter than 4 characters are left out: they
 * would mask ordinary words.
 */
const known = new Set<string>();
const MIN_MASKED_LENGTH = 4;

/**
 * A value that must never be printed: client secrets, passwords, passphrases, tokens.
 * Every way of turning it into text (template strings, `JSON.stringify`, `console.log`,
 * `Deno.inspect`) yields `***`; only `reveal()` gives the value, at the one place that sends it.
 * The value sits in a WeakMap rather than a field so that no structural walk of the object can
 * reach it.
 */
export class Secret {
  /**
   * `maskEverywhere: false` for a value that is not secret as a whole (a database URL, whose
   * host and path are shown; its password is then registered on its own).
   */
  constructor(value: string, options: { maskEverywhere?: boolean } = {}) {
    revealedValue.set(this, value);
    if ((options.maskEverywhere ?? true) && value.length >= MIN_MASKED_LENGTH) known.add(value);
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

/**
 * `text` with every occurrence of each secret replaced by `***`: a last line of defence. Each
 * secret is also masked as JSON would escape it (a `"` or `\` inside) and as a URL would
 * encode it (a form body, a query), the shapes it takes once it went through a server.
 */
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret === "") continue;
    for (const form of spellings(secret)) masked = masked.replaceAll(form, REDACTED);
  }
  return masked;
}

/** `text` with every secret this process holds masked (see `maskSecrets`). */
export function maskKnownSecrets(text: string): string {
  return known.size === 0 ? text : maskSecrets(text, known);
}

/**
 * Masks `value` wherever text is masked, like a `Secret`'s: for a value derived from secrets
 * that a server may echo whole (the Basic credentials `base64(id:secret)` of the token call).
 */
export function maskEverywhere(value: string): void {
  if (value.length >= MIN_MASKED_LENGTH) known.add(value);
}

/** Every log line is masked: each secret's spellings are worked out once. */
const spellingsOf = new Map<string, readonly string[]>();

function spellings(secret: string): readonly string[] {
  let forms = spellingsOf.get(secret);
  if (forms === undefined) {
    forms = computeSpellings(secret);
    spellingsOf.set(secret, forms);
  }
  return forms;
}

function computeSpellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  // Encoders differ: RFC 3986 strict escapes !'()* too; Python's quote() leaves "/" alone by
  // default; a form body writes a space as "+"; some write the hex digits in lower case.
  const strict = url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const encoded = [url, strict].flatMap((form) => [
    form,
    form.replaceAll("%2F", "/"),
    form.replaceAll("%20", "+"),
  ]);
  const lower = encoded.map((form) => form.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  // Longest first: the escaped forms contain the plain value's pieces, not the other way round.
  return [...new Set([json, ...encoded, ...lower, secret])].sort((a, b) => b.length - a.length);
}
