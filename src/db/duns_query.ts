import { sql } from "kysely";
import type { Database } from "./database.ts";

/** A `--from-sql` query that is not a single SELECT, or that failed. */
export class DunsQueryError extends Error {
  readonly code = "DUNS_QUERY_FAILED";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DunsQueryError";
  }
}

/**
 * The first column of every row `query` returns, as text: the customer's own list of the
 * companies to watch (`SELECT duns FROM suppliers WHERE active`). Only a read is accepted — one
 * SELECT (or WITH … SELECT), in a read-only transaction (PostgreSQL `READ ONLY`, SQLite
 * `query_only`) that is rolled back, so even a function with side effects cannot write.
 */
export async function queryDunsColumn(database: Database, query: string): Promise<string[]> {
  const statement = query.trim().replace(/;\s*$/, "");
  if (!/^(select|with)\b/i.test(statement) || statement.includes(";")) {
    throw new DunsQueryError(
      `--from-sql: give one SELECT statement whose first column is the DUNS, got ${
        JSON.stringify(statement.slice(0, 60))
      }`,
    );
  }
  const rollback = new Error("read only");
  let values: string[] = [];
  try {
    await database.db.transaction().execute(async (trx) => {
      if (database.dialect === "postgres") await sql`SET TRANSACTION READ ONLY`.execute(trx);
      else await sql`PRAGMA query_only = ON`.execute(trx);
      const result = await sql.raw<Record<string, unknown>>(statement).execute(trx);
      values = result.rows.map((row) => String(Object.values(row)[0] ?? ""));
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) {
      throw new DunsQueryError(
        `--from-sql failed on ${database.location}: ${
          database.redact(error instanceof Error ? error.message : String(error))
        }`,
        { cause: error },
      );
    }
  }
  return values;
}
