import { SqliteAdapter } from "kysely";

/**
 * SQLite's DDL is transactional, but Kysely's adapter says it is not, which would make the
 * migrator run each migration bare and leave half its tables behind when it fails.
 */
export class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
