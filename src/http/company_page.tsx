// deno-lint-ignore-file jsx-key -- rendered once on the server: nothing reconciles lists, and
// hono would print a `key` as an HTML attribute.
/**
 * The company page (`/duns/{duns}`): every stored change of one DUNS as a timeline, newest
 * first, and the plain message pages (bad DUNS, data unavailable) that share its shell.
 */
import type { Child } from "hono/jsx";
import { typeColor } from "./charts.tsx";
import type { CompanyData, NotificationView } from "./dashboard_data.ts";
import { safeId } from "./dashboard_page.tsx";
import {
  ChangeList,
  formatCount,
  formatUtc,
  Layout,
  readableValue,
  Time,
  TypeBadge,
} from "./layout.tsx";

export interface CompanyPageProps {
  data: CompanyData;
  basePath: string;
}

export function CompanyPage(props: CompanyPageProps) {
  const { data } = props;
  const notes = data.notifications;
  const name = companyName(notes);
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
      <ChangeList elements={note.elements} showStamps moreId={`all-${safeId(note.id)}`} />
    </li>
  );
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
