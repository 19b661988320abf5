import { type DnbCallSite, DnbResponseTooLargeError } from "./errors.ts";

/**
 * The body of `response` as text, read only up to `limitBytes`. A longer body (announced by its
 * Content-Length or found while streaming) is cancelled and `DnbResponseTooLargeError` thrown:
 * whatever D&B sends, memory stays bounded by the limit, and `Response.text()` would buffer all.
 */
export async function readBoundedText(
  response: Response,
  options: { limitBytes: number; site: DnbCallSite },
): Promise<string> {
  return (await readBoundedBody(response, options)).text;
}

/**
 * `readBoundedText`, saying also whether the bytes were valid UTF-8. When they were not, `text`
 * holds U+FFFD where they were: the caller must not pass that off as what D&B sent.
 */
export async function readBoundedBody(
  response: Response,
  options: { limitBytes: number; site: DnbCallSite },
): Promise<{ text: string; invalidUtf8: boolean }> {
  const { limitBytes, site } = options;
  const announced = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(announced) && announced > limitBytes) {
    await response.body?.cancel().catch(() => {});
    throw new DnbResponseTooLargeError(site, { limitBytes, announcedBytes: announced });
  }
  if (response.body === null) return { text: "", invalidUtf8: false };
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => {});
      throw new DnbResponseTooLargeError(site, { limitBytes });
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), invalidUtf8: false };
  } catch {
    return { text: new TextDecoder().decode(bytes), invalidUtf8: true };
  }
}
