import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { EmailDestinationConfig } from "../../config/alerts_config.ts";
import { type Mailer, type MailMessage, SmtpSendError } from "./mailer.ts";

export { NODEMAILER_ENV_VARIABLES } from "../../config/alerts_config.ts";

/** What we use of nodemailer's transporter. */
interface Transporter {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

interface Nodemailer {
  createTransport(options: Record<string, unknown>): Transporter;
}

let loaded: Promise<Nodemailer> | null = null;

// The one place that imports nodemailer, and only when the first e-mail goes out: the package
// reads environment variables as it loads, which a program without e-mail destinations must not
// need permission for.
function loadNodemailer(): Promise<Nodemailer> {
  loaded ??= (async () => {
    const module = await import("nodemailer");
    return (module.default ?? module) as Nodemailer;
  })();
  return loaded;
}

/**
 * A mailer for one e-mail destination: one SMTP connection per message (alerts are few; a pool
 * would hold a connection open between ticks). Without `secure`, STARTTLS is required except
 * on loopback (a local relay); nodemailer never reads files or URLs named in a message here.
 *
 * The host name is resolved here with the system resolver (`node:dns` lookup, which needs only
 * net permission for that host) and nodemailer gets the address, with the name as TLS server
 * name: its own resolver asks the DNS server directly, which Deno allows only with net
 * permission for the name server.
 */
export function nodemailerMailer(destination: EmailDestinationConfig): Mailer {
  const { smtp } = destination;
  const timeoutMs = destination.timeout * 1000;
  const open = new Set<Transporter>();

  async function connect(): Promise<Transporter> {
    let nodemailer: Nodemailer;
    try {
      nodemailer = await loadNodemailer();
    } catch (error) {
      throw new SmtpSendError(`cannot load npm:nodemailer: ${messageOf(error)}`, {
        code: "ELOAD",
        responseCode: null,
      });
    }
    let address = smtp.host;
    if (isIP(smtp.host.replace(/^\[|\]$/g, "")) === 0) {
      try {
        address = (await lookup(smtp.host)).address;
      } catch (error) {
        throw new SmtpSendError(`cannot resolve ${smtp.host}: ${messageOf(error)}`, {
          code: "EDNS",
          responseCode: null,
        });
      }
    }
    return nodemailer.createTransport({
      host: address,
      servername: address === smtp.host ? undefined : smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      // A password never crosses a network in clear text: STARTTLS is a must off loopback.
      requireTLS: !smtp.secure && !isLoopback(smtp.host),
      auth: smtp.username === null
        ? undefined
        : { user: smtp.username, pass: smtp.password?.reveal() ?? "" },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  return {
    async send(message: MailMessage): Promise<void> {
      const transporter = await connect();
      open.add(transporter);
      try {
        await transporter.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          // Header names are case-insensitive; nodemailer writes this one X-Traceone-Alert-ID.
          headers: message.headers,
        });
      } catch (error) {
        const failure = error as { message?: unknown; code?: unknown; responseCode?: unknown };
        throw new SmtpSendError(String(failure.message ?? error), {
          code: typeof failure.code === "string" ? failure.code : "EUNKNOWN",
          responseCode: typeof failure.responseCode === "number" ? failure.responseCode : null,
        });
      } finally {
        open.delete(transporter);
        transporter.close();
      }
    },
    close(): void {
      for (const transporter of open) transporter.close();
      open.clear();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}
