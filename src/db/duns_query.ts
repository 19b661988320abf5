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
 * SELECT (or WITH … SELECT), on PostgreSQL in a `READ ONLY` transaction that is rolled back, on
 * SQLite on a connection set to `query_only`, so even a function with side effects cannot write.
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
  const rowsOf = (result: { rows: Record<string, unknown>[] }) =>
    result.rows.map((row) => String(Object.values(row)[0] ?? ""));
  try {
    if (database.dialect === "sqlite") {
      // Not in a transaction: ours begin IMMEDIATE, which would hold the write lock (and stall
      // the service's sink) for as long as a customer's query runs. query_only refuses writes
      // on this connection, which the caller opened for this query and closes after it.
      await sql`PRAGMA query_only = ON`.execute(database.db);
      values = rowsOf(await sql.raw<Record<string, unknown>>(statement).execute(database.db));
      return values;
    }
    await database.db.transaction().execute(async (trx) => {
      await sql`SET TRANSACTION READ ONLY`.execute(trx);
      values = rowsOf(await sql.raw<Record<string, unknown>>(statement).execute(trx));
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
