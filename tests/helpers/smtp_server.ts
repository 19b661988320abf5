/**
 * A real SMTP server for tests: npm smtp-server, in this process, on 127.0.0.1 and a free port,
 * with AUTH PLAIN/LOGIN over plain TCP (loopback only) and every message captured whole. No TLS:
 * `secure: false` and no STARTTLS offered, so nodemailer talks plain SMTP to it.
 */

/** For test names, so a machine where the package cannot load reports the tests ignored. */
export const SMTP_SERVER_NEEDS = "needs: npm smtp-server@^3 from the npm registry";
export const SMTP_TEST_USER = "traceone-alerts";
export const SMTP_TEST_PASSWORD = "smtp-Pa55word-for-tests";

export interface CapturedMail {
  from: string | null;
  to: string[];
  user: string | null;
  /** The whole message as sent: headers, blank line, MIME body. */
  raw: string;
  /** Header lines unfolded, names lower-cased; the first of each name. */
  headers: Map<string, string>;
}

export interface RunningSmtpServer {
  host: "127.0.0.1";
  port: number;
  messages: CapturedMail[];
  /** Answers the next DATA commands with an SMTP error of this code (421, 554, …). */
  failNextData(...codes: number[]): void;
  [Symbol.asyncDispose](): Promise<void>;
}

interface SmtpServerInstance {
  listen(port: number, host: string, callback: () => void): void;
  close(callback: () => void): void;
  server: { address(): { port: number } };
}

type SmtpServerClass = new (options: Record<string, unknown>) => SmtpServerInstance;

async function loadSmtpServer(): Promise<SmtpServerClass | null> {
  try {
    const module = await import("smtp-server");
    return (module.SMTPServer ?? module.default?.SMTPServer) as SmtpServerClass;
  } catch {
    return null;
  }
}

const SMTPServer = await loadSmtpServer();

/** Whether npm smtp-server could be loaded. */
export function smtpServerAvailable(): boolean {
  return SMTPServer !== null;
}

export async function startSmtpServer(): Promise<RunningSmtpServer> {
  if (SMTPServer === null) throw new Error(`smtp-server cannot be loaded (${SMTP_SERVER_NEEDS})`);
  const messages: CapturedMail[] = [];
  const failures: number[] = [];
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    disabledCommands: ["STARTTLS"],
    onAuth(
      auth: { username: string; password: string },
      _session: unknown,
      callback: (error: Error | null, result?: { user: string }) => void,
    ) {
      if (auth.username === SMTP_TEST_USER && auth.password === SMTP_TEST_PASSWORD) {
        callback(null, { user: auth.username });
      } else {
        // Echoes what it refused, as careless servers do, so tests prove the client masks it.
        callback(
          Object.assign(new Error(`Invalid username or password (${auth.password})`), {
            responseCode: 535,
          }),
        );
      }
    },
    onData(
      stream: {
        on(event: "data", listener: (chunk: Uint8Array) => void): void;
        on(event: "end", listener: () => void): void;
      },
      session: {
        user?: string;
        envelope: { mailFrom: { address: string } | false; rcptTo: { address: string }[] };
      },
      callback: (error?: Error | null) => void,
    ) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk) => chunks.push(new Uint8Array(chunk)));
      stream.on("end", () => {
        const failure = failures.shift();
        if (failure !== undefined) {
          callback(Object.assign(new Error(`test failure ${failure}`), { responseCode: failure }));
          return;
        }
        const raw = new TextDecoder().decode(concat(chunks));
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user ?? null,
          raw,
          headers: parseHeaders(raw),
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.server.address().port;
  return {
    host: "127.0.0.1",
    port,
    messages,
    failNextData(...codes) {
      failures.push(...codes);
    },
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => server.close(resolve));
    },
  };
}

function parseHeaders(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at <= 0) continue;
    const name = line.slice(0, at).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(at + 1).trim());
  }
  return headers;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
