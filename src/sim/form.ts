/** Reading multipart fields that may arrive as a file part or as a plain text field. */
import type { Context } from "hono";
import type { SimEnv } from "./envelope.ts";

export type FormFields = Record<string, string | File | (string | File)[]>;

/** Null when the body is not multipart/form-data or cannot be parsed. */
export async function readMultipart(c: Context<SimEnv>): Promise<FormFields | null> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) return null;
  try {
    return await c.req.parseBody({ all: true });
  } catch {
    return null;
  }
}

/** The text of a field; repeated fields are joined by newlines (a DUNS list or an email list). */
export async function fieldText(fields: FormFields, name: string): Promise<string | undefined> {
  const value = fields[name];
  if (value === undefined) return undefined;
  const parts = Array.isArray(value) ? value : [value];
  const texts = await Promise.all(
    parts.map((part) => typeof part === "string" ? part : part.text()),
  );
  return texts.join("\n");
}
