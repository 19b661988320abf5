import { ALERT_ID_HEADER, SIGNATURE_HEADER, signatureProblem } from "../../src/alerts/signature.ts";

/**
 * A real HTTP receiver of alert webhooks for tests: `Deno.serve` on 127.0.0.1, port 0. It checks
 * every request's `X-TraceOne-Signature` with the shared key, as a receiver should, records what
 * came, and answers with the statuses a test queues (200 once the queue is empty).
 */

export interface ReceivedWebhook {
  /** `X-TraceOne-Alert-Id`. */
  alertId: string | null;
  /** The signature check: null when it holds, else why not. */
  signatureProblem: string | null;
  signature: string | null;
  body: string;
  /** `body` parsed, or null when it is no JSON. */
  json: Record<string, unknown> | null;
  /** What the receiver answered. */
  status: number;
}

/** One queued answer; `delayMs` holds it back (a receiver slower than the sender's timeout). */
export interface Answer {
  status: number;
  body?: string;
  headers?: HeadersInit;
  delayMs?: number;
}

export interface RunningWebhookReceiver {
  /** `http://127.0.0.1:PORT/hook`. */
  url: string;
  received: ReceivedWebhook[];
  /** Answers the next requests with these statuses (and bodies), in order. */
  respondWith(...answers: (number | Answer)[]): void;
  /** Alert ids of the requests that got a 2xx, in order (duplicates kept). */
  acceptedIds(): string[];
  [Symbol.asyncDispose](): Promise<void>;
}

export function startWebhookReceiver(key: string | null): RunningWebhookReceiver {
  const received: ReceivedWebhook[] = [];
  const queue: Answer[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const body = await request.text();
    const signature = request.headers.get(SIGNATURE_HEADER);
    const problem = key === null ? null : signatureProblem(signature, body, {
      key,
      now: Math.floor(Date.now() / 1000),
    });
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
    const answer: Answer = queue.shift() ?? { status: problem === null ? 200 : 401 };
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    received.push({
      alertId: request.headers.get(ALERT_ID_HEADER),
      signatureProblem: problem,
      signature,
      body,
      json,
      status: answer.status,
    });
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
  });
  const { port } = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    respondWith(...answers) {
      queue.push(
        ...answers.map((answer) => typeof answer === "number" ? { status: answer } : answer),
      );
    },
    acceptedIds() {
      return received.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.alertId ?? "");
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
