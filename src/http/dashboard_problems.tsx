/**
 * The dashboard's panels for what needs a person: dead letters (with show, retry and discard),
 * replay gaps and the journal, plus the short-error-with-full-text-on-click piece they and the
 * registrations table share. Error text comes from D&B, sinks and the network: it is rendered
 * through JSX (escaped) and cut short, because one wall of text hid a wedged registration before.
 */
import type { DashboardData, DeadLetterView, GapRow } from "./dashboard_data.ts";
import { formatCount, formatUtc, Time } from "./layout.tsx";

/** Characters of an error shown before the rest folds away. */
export const SHORT_TEXT = 120;

/** The first line of `text`, at most `max` characters (an ellipsis marks a cut). */
export function shortText(text: string, max = SHORT_TEXT): string {
  const whole = text.trim();
  const firstLine = whole.split(/\r?\n/, 1)[0] ?? "";
  const chars = Array.from(firstLine);
  const more = firstLine.length < whole.length;
  if (chars.length <= (more ? max - 2 : max)) return more ? `${firstLine} …` : firstLine;
  return `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * Short text that opens to the whole on click, without script: a `<details>` whose id lets the
 * refresh keep it open. Text that is short already is shown as it is.
 */
export function ShortText(props: { text: string; id: string; max?: number; class?: string }) {
  const short = shortText(props.text, props.max);
  if (short === props.text.trim()) {
    return <span class={`short-text${props.class ? ` ${props.class}` : ""}`}>{short}</span>;
  }
  return (
    <details class={`full-text${props.class ? ` ${props.class}` : ""}`} id={props.id}>
      <summary>{short}</summary>
      <pre>{props.text}</pre>
    </details>
  );
}

/** `validation/ab12…` → `/dead-letters/validation/ab12…` under the dashboard's base path. */
export function deadLetterHref(
  basePath: string,
  letter: Pick<DeadLetterView, "sink" | "notificationId">,
): string {
  return `${basePath}/dead-letters/${encodeURIComponent(letter.sink)}/${
    encodeURIComponent(letter.notificationId)
  }`;
}

/** An id attribute from outside text: plain characters, and an index that keeps it unique. */
export function domId(prefix: string, text: string, index: number): string {
  return `${prefix}-${index}-${text.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 60)}`;
}

export function DeadLettersSection(props: { data: DashboardData; basePath: string }) {
  const { total, bySink, latest } = props.data.deadLetters;
  return (
    <section
      class="card section"
      id="dead-letters"
      aria-labelledby="dead-letters-heading"
      data-section="dead-letters"
      data-total={String(total)}
    >
      <div class="card-head">
        <h2 id="dead-letters-heading">Dead letters</h2>
        <p>
          {total === 0
            ? "none"
            : `${formatCount(total)} kept with their raw JSON until retried or discarded`}
        </p>
      </div>
      {bySink.length > 0
        ? (
          <ul class="legend" aria-label="Dead letters per sink">
            {bySink.map((entry) => (
              <li data-dead-letter-sink={entry.sink} data-count={String(entry.count)}>
                <code>{entry.sink}</code> <b>{formatCount(entry.count)}</b>
              </li>
            ))}
          </ul>
        )
        : null}
      {latest.length === 0
        ? (
          <p class="muted">
            No dead letters: every notification passed validation and every sink took it.
          </p>
        )
        : (
          <div class="table-wrap">
            <table class="stack">
              <caption class="visually-hidden">The latest dead letters, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Notification</th>
                  <th scope="col">Sink</th>
                  <th scope="col">Registration</th>
                  <th scope="col">Reason</th>
                  <th scope="col">When</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {latest.map((letter, index) => (
                  <DeadLetterRow
                    letter={letter}
                    index={index}
                    now={props.data.generatedAt}
                    basePath={props.basePath}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      {total > latest.length
        ? (
          <p class="stat-note">
            {`The latest ${latest.length} of ${
              formatCount(total)
            }; the CLI's \`deadletters list\` lists all.`}
          </p>
        )
        : null}
    </section>
  );
}

function DeadLetterRow(
  props: { letter: DeadLetterView; index: number; now: string; basePath: string },
) {
  const { letter } = props;
  const href = deadLetterHref(props.basePath, letter);
  return (
    <tr data-dead-letter={letter.key}>
      <th scope="row">
        <a class="mono" href={href} title={letter.notificationId}>
          {letter.notificationId.slice(0, 12)}
        </a>
      </th>
      <td data-label="Sink">
        <code>{letter.sink}</code>
      </td>
      <td data-label="Registration" class="mono">{letter.registration}</td>
      <td data-label="Reason">
        <ShortText
          text={letter.reason}
          id={domId("dead-letter-reason", letter.key, props.index)}
          class="error-text"
        />
      </td>
      <td data-label="When">
        <Time iso={letter.at} now={props.now} />
      </td>
      <td class="actions">
        <a href={href} data-action="show">show</a>
        <form method="post" action={`${href}/retry`}>
          <button type="submit" data-action="retry">retry</button>
        </form>
        {/* Discarding cannot be undone: a second click, inside the folded part, confirms it. */}
        <details class="confirm" id={domId("discard", letter.key, props.index)}>
          <summary data-action="discard">discard</summary>
          <form method="post" action={`${href}/discard`}>
            <button type="submit" class="danger" data-action="discard-confirm">
              discard for good
            </button>
          </form>
        </details>
      </td>
    </tr>
  );
}

export function GapsSection(props: { gaps: GapRow[] }) {
  return (
    <section
      class="card"
      aria-labelledby="gaps-heading"
      data-section="gaps"
      data-total={String(props.gaps.length)}
    >
      <div class="card-head">
        <h2 id="gaps-heading">Replay gaps</h2>
        <p>what D&amp;B can no longer hand over again</p>
      </div>
      {props.gaps.length === 0
        ? (
          <p class="muted">
            No gaps: whatever D&amp;B handed over is journaled or still replayable.
          </p>
        )
        : (
          <div class="table-wrap">
            <table class="stack">
              <caption class="visually-hidden">Replay gaps per registration</caption>
              <thead>
                <tr>
                  <th scope="col">Registration</th>
                  <th scope="col">From – to (UTC)</th>
                  <th scope="col">What happened</th>
                </tr>
              </thead>
              <tbody>
                {props.gaps.map((gap, index) => (
                  <tr data-gap={gap.registration}>
                    <th scope="row" class="mono">{gap.registration}</th>
                    <td data-label="From – to">
                      <time datetime={gap.from}>{formatUtc(gap.from, { seconds: true })}</time>
                      {" – "}
                      <time datetime={gap.to}>{formatUtc(gap.to, { seconds: true })}</time>
                    </td>
                    <td data-label="What happened">
                      <ShortText text={gap.message} id={domId("gap", gap.registration, index)} />
                      {gap.unreachable !== null && gap.unreachable > 0
                        ? (
                          <span class="detail muted">
                            {`${formatCount(gap.unreachable)} notification${
                              gap.unreachable === 1 ? "" : "s"
                            } beyond reach (at least)`}
                          </span>
                        )
                        : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

export function JournalSection(props: { journal: DashboardData["journal"]; now: string }) {
  const { journal, now } = props;
  return (
    <section class="card" aria-labelledby="journal-heading" data-section="journal">
      <div class="card-head">
        <h2 id="journal-heading">Journal</h2>
        <p>every pulled batch, kept until all sinks have it</p>
      </div>
      <dl class="kv">
        <dt>Batches</dt>
        <dd data-journal="batches">{formatCount(journal.batches)}</dd>
        <dt>Notifications</dt>
        <dd data-journal="notifications">{formatCount(journal.notifications)}</dd>
        <dt>Oldest batch</dt>
        <dd data-journal="oldest-batch">
          {journal.oldestBatchAt ? <Time iso={journal.oldestBatchAt} /> : "none"}
        </dd>
        <dt>Oldest undelivered</dt>
        <dd
          data-journal="oldest-undelivered"
          class={journal.oldestUndeliveredAt ? "warn-text" : undefined}
        >
          {journal.oldestUndeliveredAt
            ? (
              <>
                <Time iso={journal.oldestUndeliveredAt} />
                {" · "}
                <span data-journal="undelivered-age">
                  {`${age(journal.oldestUndeliveredAt, now)} old`}
                </span>
              </>
            )
            : "none: every sink is current"}
        </dd>
      </dl>
    </section>
  );
}

/** How old a time is at `now`, e.g. `4 min`, `2 h`; `0 s` for the future (clock skew). */
export function age(iso: string, now: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}
