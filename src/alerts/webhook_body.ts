import type { WebhookFormat } from "../config/alerts_config.ts";
import type { Alert } from "./alert.ts";

/** The `json` body: what a program receiving alerts reads. */
export interface WebhookPayload {
  id: string;
  rule: string;
  registration: string;
  batch_sequence: number;
  matches: {
    duns: string;
    type: string;
    element: string | null;
    previous: unknown;
    current: unknown;
    summary: string;
    notification_id: string;
    delivery_timestamp: string;
  }[];
  sent_at: string;
}

/** Lines a chat message lists before it says "… and N more": chat services cap a message. */
const CHAT_LINES = 20;

/** The request body for `format`, as the text that is signed and sent. Pure. */
export function webhookBody(
  alert: Alert,
  options: { format: WebhookFormat; sentAt: string },
): string {
  switch (options.format) {
    case "json":
      return JSON.stringify(webhookPayload(alert, options.sentAt));
    case "slack":
      return JSON.stringify(slackMessage(alert));
    case "teams":
      return JSON.stringify(teamsMessage(alert));
  }
}

export function webhookPayload(alert: Alert, sentAt: string): WebhookPayload {
  return {
    id: alert.id,
    rule: alert.rule,
    registration: alert.registration,
    batch_sequence: alert.batchSequence,
    matches: alert.matches.map((item) => ({
      duns: item.duns,
      type: item.type,
      element: item.element,
      previous: item.previous,
      current: item.current,
      summary: item.summary,
      notification_id: item.notificationId,
      delivery_timestamp: item.deliveryTimestamp,
    })),
    sent_at: sentAt,
  };
}

/** "failure-score-drop: 3 matches in TRACEONE_DEMO" */
export function alertTitle(alert: Alert): string {
  const n = alert.matches.length;
  return `${alert.rule}: ${n} match${n === 1 ? "" : "es"} in ${alert.registration}`;
}

/** One line per match, "DUNS 804735132: failure score 45 → 20 (−25)", capped for chat. */
export function matchLines(alert: Alert, limit = Infinity): string[] {
  const lines = alert.matches.slice(0, limit).map((item) => `DUNS ${item.duns}: ${item.summary}`);
  const rest = alert.matches.length - lines.length;
  if (rest > 0) lines.push(`… and ${rest} more`);
  return lines;
}

/** Slack incoming-webhook shape: `text` for notifications and clients without blocks. */
function slackMessage(alert: Alert): Record<string, unknown> {
  const title = `TraceOne alert ${alertTitle(alert)}`;
  const lines = matchLines(alert, CHAT_LINES).map((line) => `• ${slackEscape(line)}`);
  return {
    text: slackEscape(title),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(title, 150) } },
      { type: "section", text: { type: "mrkdwn", text: truncate(lines.join("\n"), 3000) } },
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: slackEscape(
            `alert ${alert.id} · registration ${alert.registration} · batch ${alert.batchSequence}`,
          ),
        }],
      },
    ],
  };
}

/** A Teams (Workflows / incoming webhook) message holding one Adaptive Card. */
function teamsMessage(alert: Alert): Record<string, unknown> {
  return {
    type: "message",
    summary: `TraceOne alert ${alertTitle(alert)}`,
    attachments: [{
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: {
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.4",
        body: [
          {
            type: "TextBlock",
            size: "Medium",
            weight: "Bolder",
            wrap: true,
            text: `TraceOne alert ${alertTitle(alert)}`,
          },
          ...matchLines(alert, CHAT_LINES).map((line) => ({
            type: "TextBlock",
            wrap: true,
            spacing: "Small",
            text: `- ${line}`,
          })),
          {
            type: "FactSet",
            facts: [
              { title: "Alert", value: alert.id },
              { title: "Registration", value: alert.registration },
              { title: "Batch", value: String(alert.batchSequence) },
            ],
          },
        ],
      },
    }],
  };
}

function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
