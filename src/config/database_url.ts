import { REDACTED as MASK } from "../model/secret.ts";

/**
 * The scheme of a database URL with its colon, lower-cased (`sqlite:`, `postgresql:`), or null
 * when the text has none.
 */
export function databaseUrlScheme(url: string): string | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return match ? `${match[1].toLowerCase()}:` : null;
}

/**
 * The URL as it may be shown: the password (and any query parameter that looks like a secret)
 * becomes `***`. SQLite URLs hold no credentials and stay as they are. Text that does not parse
 * is masked whole, since where its password sits is unknown.
 */
export function redactDatabaseUrl(url: string): string {
  if (databaseUrlScheme(url) === "sqlite:") return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.password !== "") parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, MASK);
  }
  return parsed.toString();
}

/**
 * The secrets a URL carries (password, secret-looking query values), decoded and raw, so that
 * driver messages quoting them can be masked.
 */
export function databaseUrlSecrets(url: string): string[] {
  if (databaseUrlScheme(url) === "sqlite:") return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const secrets = [parsed.password, safeDecode(parsed.password)];
  for (const [key, value] of parsed.searchParams) {
    if (/pass|secret|token|key/i.test(key)) secrets.push(value);
  }
  return [...new Set(secrets.filter((secret) => secret !== ""))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
