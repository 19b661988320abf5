import type { NotificationStore } from "../model/notification_store.ts";
import type { Database } from "./database.ts";
import {
  companyState,
  dunsHistory,
  hourlyCounts,
  notificationCount,
  recentChanges,
} from "./queries.ts";

/** The `NotificationStore` of the SQL sink's database; the caller keeps owning `database`. */
export function createNotificationStore(database: Database): NotificationStore {
  return {
    recent: (options) => recentChanges(database.db, options),
    history: (duns, options) => dunsHistory(database.db, duns, options),
    hourlyCounts: (options) => hourlyCounts(database.db, options),
    count: () => notificationCount(database.db),
    currentState: (duns) => companyState(database.db, duns),
  };
}
