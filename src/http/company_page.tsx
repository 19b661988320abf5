// deno-lint-ignore-file jsx-key -- rendered once on the server: nothing reconciles lists, and
// hono would print a `key` as an HTML attribute.
/**
 * The company page (`/duns/{duns}`): the company's current state (status and the current value
 * of each path), then every stored change as a timeline, newest first, structured values as
 * field-level differences; and the plain message pages (bad DUNS, data unavailable) that share
 * its shell.
 */
import type { Child } from "hono/jsx";
import { typeColor } from "./charts.tsx";
import { CompanyChangeList } from "./company_changes.tsx";
import type { CompanyData, CompanyStateView, NotificationView } from "./dashboard_data.ts";
import { spelledValue } from "./json_text.ts";
import { formatCount, formatUtc, Layout, readableValue, Time, TypeBadge } from "./layout.tsx";

export interface CompanyPageProps {
  data: CompanyData;
  basePath: string;
}

export function CompanyPage(props: CompanyPageProps) {
  const { data } = props;
  const notes = data.notifications;
  const name = stateName(data.state ?? null) ?? companyName(notes);
  const types = new Map<string, number>();
  for (const note of notes) types.set(note.type, (types.get(note.type) ?? 0) + 1);
  const changes = notes.reduce((sum, note) => sum + note.elements.length, 0);
  return (
    <Layout
      title={`DUNS ${data.duns} · TraceOne Monitor`}
      simulator={data.simulator}
      basePath={props.basePath}
      search={data.duns}
    >
      <div class="company" data-duns={data.duns}>
        <p style="margin:0 0 6px">
          <a href={`${props.basePath}/`}>← Dashboard</a>
        </p>
        <div class="page-head">
          <h1>
            DUNS <span class="mono">{data.duns}</span>
          </h1>
          {name ? <p class="company-name">{name}</p> : null}
        </div>
        <section class="card" aria-labelledby="company-summary-heading">
          <h2 id="company-summary-heading" class="visually-hidden">Summary</h2>
          <p style="margin:0">
            {notes.length === 0
              ? "No stored notifications."
              : `${formatCount(notes.length)} notification${notes.length === 1 ? "" : "s"}, ` +
                `${formatCount(changes)} changed element${changes === 1 ? "" : "s"}, from ` +
                `${formatUtc(notes.at(-1)!.deliveryTimestamp)} to ${
                  formatUtc(notes[0].deliveryTimestamp)
                }.`}
          </p>
          {types.size > 0
            ? (
              <ul class="legend" aria-label="Notifications by type" style="margin:8px 0 0">
                {[...types].map(([type, count]) => (
                  <li>
                    <TypeBadge type={type} /> <b>{formatCount(count)}</b>
                  </li>
                ))}
              </ul>
            )
            : null}
        </section>
        {data.state ? <CurrentState state={data.state} /> : null}
        <section class="card section" aria-labelledby="timeline-heading">
          <div class="card-head">
            <h2 id="timeline-heading">Timeline</h2>
            <p>every change stored by the SQL sink, newest first</p>
          </div>
          {notes.length === 0
            ? (
              <p class="muted">
                The SQL sink holds nothing for this DUNS: it is in no registration, or no change has
                arrived for it yet.
              </p>
            )
            : (
              <ol class="timeline">
                {notes.map((note) => <TimelineItem note={note} />)}
              </ol>
            )}
        </section>
      </div>
    </Layout>
  );
}

function TimelineItem(props: { note: NotificationView }) {
  const { note } = props;
  return (
    <li data-notification={note.id} style={`--dot:${typeColor(note.type)}`}>
      <div class="note-head">
        <TypeBadge type={note.type} />
        <Time iso={note.deliveryTimestamp} />
        <span class="muted mono">{note.registration}</span>
      </div>
      <CompanyChangeList elements={note.elements} />
    </li>
  );
}

const STATUS_TEXT: Record<string, string> = {
  active: "Active",
  deleted: "Deleted",
  transferred: "Transferred",
  exited: "Exited",
  under_review: "Under review",
  removed: "Removed",
};

/** The status and each path's current value, from the SQL sink's `company_state`. */
function CurrentState(props: { state: CompanyStateView }) {
  const { state } = props;
  const tone = state.status === "active" ? "ok" : state.status === "under_review" ? "warn" : "bad";
  return (
    <section
      class="card section"
      aria-labelledby="state-heading"
      data-status={state.status}
    >
      <div class="card-head">
        <h2 id="state-heading">Current state</h2>
        <p>
          the latest delivered value of each field; older notifications arriving late do not win
        </p>
      </div>
      <p style="margin:0 0 8px">
        <span class={`pill ${tone}`} data-company-status={state.status}>
          {STATUS_TEXT[state.status] ?? state.status}
        </span>{" "}
        {state.statusChangedAt
          ? <span class="muted">since {formatUtc(state.statusChangedAt)}</span>
          : null}{" "}
        <span class="muted">· last notification {formatUtc(state.lastDeliveryTimestamp)}</span>
      </p>
      {state.values.length === 0
        ? <p class="muted">No values stored: only status notifications arrived.</p>
        : (
          <div class="table-wrap">
            <table class="stack state">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Current value</th>
                  <th scope="col">Changed</th>
                </tr>
              </thead>
              <tbody>
                {state.values.map((value) => {
                  const shown = spelledValue(value.json, { max: 160 });
                  return (
                    <tr data-path={value.path} data-notification={value.notificationId}>
                      <td data-label="Field">
                        <code>{value.path}</code>
                      </td>
                      <td data-label="Current value">
                        <span
                          class={`mono${shown.kind === "value" ? "" : " muted"}`}
                          title={shown.truncated ? shown.full : undefined}
                        >
                          {shown.text}
                        </span>
                      </td>
                      <td data-label="Changed">
                        <Time iso={value.changedAt} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

/** The name the current state holds, when it holds one. */
function stateName(state: CompanyStateView | null): string | null {
  const value = state?.values.find((v) => v.path === "organization.primaryName");
  if (!value) return null;
  const shown = readableValue(value.json);
  return shown.kind === "value" ? shown.text : null;
}

/** The company's name as its latest change of `…primaryName` says, when any says it. */
function companyName(notes: NotificationView[]): string | null {
  for (const note of notes) {
    for (const change of note.elements) {
      if (!/(^|\.)primaryName$/.test(change.element)) continue;
      const value = readableValue(change.current);
      if (value.kind === "value") return value.text;
    }
  }
  return null;
}

export interface MessagePageProps {
  title: string;
  basePath: string;
  simulator: boolean;
  /** Prefills the search box with what the person typed. */
  search?: string;
  children?: Child;
}

/** A short page that says what went wrong; the header's search box holds what was typed. */
export function MessagePage(props: MessagePageProps) {
  return (
    <Layout
      title={`${props.title} · TraceOne Monitor`}
      simulator={props.simulator}
      basePath={props.basePath}
      search={props.search}
    >
      <section class="card message" aria-labelledby="message-heading">
        <h1 id="message-heading" style="margin-bottom:8px">{props.title}</h1>
        {props.children}
        <p style="margin:14px 0 0">
          <a href={`${props.basePath}/`}>← Dashboard</a>
        </p>
      </section>
    </Layout>
  );
}
