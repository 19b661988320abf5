/** `state.token_key`: the AES-256 key that seals the D&B access token in KV (dnb/token_seal.ts). */

/** What is wrong with a key text, or null: 32 bytes as 64 hex digits or base64. */
export function tokenKeyProblem(text: string): string | null {
  return tokenKeyBytes(text) === null
    ? "must be 32 random bytes as 64 hex digits or base64 (generate one with openssl rand -base64 32)"
    : null;
}

/** The key's 32 bytes, or null when the text is not one. */
export function tokenKeyBytes(text: string): Uint8Array<ArrayBuffer> | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    return new Uint8Array(trimmed.match(/../g)!.map((pair) => parseInt(pair, 16)));
  }
  try {
    const bytes = Uint8Array.from(atob(trimmed), (char) => char.charCodeAt(0));
    return bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}
