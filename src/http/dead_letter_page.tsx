/**
 * A dead letter on a page of its own (`GET /dead-letters/:sink/:id`): why it was refused and its
 * raw JSON exactly as received, pretty-printed when it parses, escaped either way (it is the very
 * input that failed), with the retry and discard forms; and the page a retry or discard answers.
 */
import type { DeadLetterActionResult, DeadLetterDetail } from "./dashboard_data.ts";
import { deadLetterHref } from "./dashboard_problems.tsx";
import { formatCount, formatUtc, Layout } from "./layout.tsx";

export interface DeadLetterPageProps {
  letter: DeadLetterDetail;
  basePath: string;
  simulator: boolean;
}

export function DeadLetterPage(props: DeadLetterPageProps) {
  const { letter, basePath } = props;
  const href = deadLetterHref(basePath, letter);
  return (
    <Layout
      title={`Dead letter ${letter.notificationId} · TraceOne Monitor`}
      simulator={props.simulator}
      basePath={basePath}
    >
      <div class="dead-letter" data-dead-letter={letter.key}>
        <p style="margin:0 0 6px">
          <a href={`${basePath}/#dead-letters`}>← Dashboard</a>
        </p>
        <div class="page-head">
          <h1>
            Dead letter <span class="mono">{letter.notificationId}</span>
          </h1>
        </div>
        <section class="card" aria-labelledby="letter-heading">
          <h2 id="letter-heading" class="visually-hidden">What was refused, and why</h2>
          <dl class="kv left">
            <dt>Sink</dt>
            <dd>
              <code>{letter.sink}</code>
            </dd>
            <dt>Registration</dt>
            <dd class="mono">{letter.registration}</dd>
            <dt>When</dt>
            <dd>
              <time datetime={letter.at}>{formatUtc(letter.at, { seconds: true })}</time>
            </dd>
            <dt>Batch</dt>
            <dd>
              {letter.batchSequence === null
                ? "none (failed validation)"
                : String(letter.batchSequence)}
            </dd>
            <dt>Reason</dt>
            <dd class="error-text" data-reason>{letter.reason}</dd>
            <dt>Size</dt>
            <dd>{`${formatCount(letter.rawBytes)} bytes`}</dd>
          </dl>
          <div class="actions" style="margin-top:12px">
            <form method="post" action={`${href}/retry`}>
              <button type="submit" data-action="retry">retry</button>
            </form>
            <form method="post" action={`${href}/discard`}>
              <button type="submit" class="danger" data-action="discard-confirm">
                discard for good
              </button>
            </form>
          </div>
        </section>
        <section class="card section" aria-labelledby="raw-heading">
          <div class="card-head">
            <h2 id="raw-heading">Raw JSON</h2>
            <p>
              {prettyJson(letter.raw).parsed
                ? "as received, indented (only whitespace added) · "
                : "as received, not JSON · "}
              <a href={`${href}/raw`} data-action="raw">as plain text</a>
            </p>
          </div>
          <pre class="raw" data-raw>{prettyJson(letter.raw).text}</pre>
        </section>
      </div>
    </Layout>
  );
}

/**
 * Indented when it parses, else as it is. Big numbers would lose digits through JSON.parse, so
 * the indentation is done on the text itself, never by re-serialising a parsed value.
 */
export function prettyJson(raw: string): { text: string; parsed: boolean } {
  try {
    JSON.parse(raw);
  } catch {
    return { text: raw, parsed: false };
  }
  let out = "";
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (inString) {
      out += char;
      if (char === "\\") out += raw[++i] ?? "";
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
    } else if (char === "{" || char === "[") {
      const close = char === "{" ? "}" : "]";
      const next = raw.slice(i + 1).trimStart()[0];
      if (next === close) {
        out += char + close;
        i = raw.indexOf(close, i + 1);
        continue;
      }
      depth++;
      out += `${char}\n${"  ".repeat(depth)}`;
    } else if (char === "}" || char === "]") {
      depth--;
      out += `\n${"  ".repeat(depth)}${char}`;
    } else if (char === ",") {
      out += `,\n${"  ".repeat(depth)}`;
    } else if (char === ":") {
      out += ": ";
    } else if (!/\s/.test(char)) {
      out += char;
    }
  }
  return { text: out, parsed: true };
}

export function DeadLetterResultPage(
  props: {
    action: "retry" | "discard";
    key: string;
    result: DeadLetterActionResult;
    basePath: string;
    simulator: boolean;
    /** Where "show" leads, for a retry that did not work. */
    href: string;
  },
) {
  const { result } = props;
  const title = !result.found
    ? "Dead letter not found"
    : props.action === "discard"
    ? "Dead letter discarded"
    : result.ok
    ? "Dead letter retried"
    : "Retry did not work";
  return (
    <Layout
      title={`${title} · TraceOne Monitor`}
      simulator={props.simulator}
      basePath={props.basePath}
    >
      <section
        class="card message"
        aria-labelledby="message-heading"
        data-action-result={props.action}
        data-ok={String(result.ok)}
      >
        <h1 id="message-heading" style="margin-bottom:8px">{title}</h1>
        <p>
          <code>{props.key}</code>
          {`: ${result.message}`}
        </p>
        {result.found && !result.ok
          ? (
            <p>
              It stays a dead letter: <a href={props.href}>show it</a>.
            </p>
          )
          : null}
        <p style="margin:14px 0 0">
          <a href={`${props.basePath}/#dead-letters`}>← Dashboard</a>
        </p>
      </section>
    </Layout>
  );
}
