import { z } from "zod";
import { ConfigError, formatPath } from "../config/errors.ts";
import { parseYamlDocument } from "../config/load.ts";
import { normalizeDuns } from "../model/duns.ts";
import type { RegistrationSpec } from "./registrations_api.ts";

const duns = z.string({ error: "a DUNS must be text: write it in quotes to keep leading zeros" })
  .transform((value, context) => {
    const checked = normalizeDuns(value);
    if ("reason" in checked) {
      context.addIssue({ code: "custom", message: `"${value}" is not a DUNS: ${checked.reason}` });
      return z.NEVER;
    }
    return checked.duns;
  });

const list = z.union([
  z.string().transform((s) => s.split(",").map((v) => v.trim())),
  z.array(z.string()),
]);

const RegistrationSpecSchema = z.strictObject({
  reference: z.string().regex(/^[A-Za-z0-9_\-.]{1,64}$/, "letters, digits, _ - . only, 1–64"),
  description: z.string().optional(),
  productId: z.string().min(1),
  versionId: z.string().min(1),
  notificationType: z.enum(["UPDATE", "FULL_PRODUCT"]).optional(),
  deliveryTrigger: z.enum(["API_PULL", "PUSH"]).optional(),
  deliveryFrequency: z.enum(["DAILY", "WEEKLY", "MONTHLY"]).optional(),
  destinationType: z.string().optional(),
  fileTransferProfile: z.string().optional(),
  email: list.optional(),
  seedData: z.boolean().optional(),
  blockIds: list.optional(),
  jsonPathInclusion: list.optional(),
  jsonPathExclusion: list.optional(),
  duns: z.array(duns).optional(),
});

/**
 * Reads a registration spec (YAML or JSON) for `registrations create`. The field names are
 * D&B's create fields (shared/dnb-direct-plus.md §2.1). Every problem is reported at once.
 */
export async function readRegistrationSpec(path: string): Promise<RegistrationSpec> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError([{
      path,
      message: `cannot read the registration file (${(error as Error).name})`,
    }]);
  }
  return parseRegistrationSpec(parseYamlDocument(text, path), path);
}

export function parseRegistrationSpec(tree: unknown, source: string): RegistrationSpec {
  const result = RegistrationSpecSchema.safeParse(tree);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      path: formatPath(issue.path) || source,
      message: issue.message,
    })),
    { source },
  );
}
