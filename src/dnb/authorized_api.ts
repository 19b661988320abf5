import { DnbApiError, DnbProtocolError } from "./errors.ts";
import type { TokenProvider } from "./token.ts";
import type { DnbTransport, TransportRequest, TransportResponse } from "./transport.ts";

/**
 * Direct+ data calls with a bearer token. Any 401 renews the token once and repeats the call
 * once: `00040` says it expired, but D&B also answers `00004` for a token it stopped accepting
 * early, and waiting for the cached one to expire would stop the service for up to 24 h. A 401
 * comes before any work, so repeating the call is safe even for a pull.
 */
export class AuthorizedApi {
  readonly #transport: DnbTransport;
  readonly #tokens: TokenProvider;

  constructor(transport: DnbTransport, tokens: TokenProvider) {
    this.#transport = transport;
    this.#tokens = tokens;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const token = await this.#tokens.token(request.signal);
    try {
      return await this.#transport.send(withBearer(request, token));
    } catch (error) {
      if (!(error instanceof DnbApiError) || error.status !== 401) throw error;
      const renewed = await this.#tokens.renew(token, {
        reason: error.message,
        signal: request.signal,
      });
      return await this.#transport.send(withBearer(request, renewed));
    }
  }

  /** Sends and reads a JSON body; a 2xx that is not JSON is a protocol error. */
  async json<T>(request: TransportRequest): Promise<{ status: number; body: T }> {
    const response = await this.send(request);
    return { status: response.status, body: parseJson<T>(response.text, request) };
  }
}

function withBearer(request: TransportRequest, token: string): TransportRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
}

export function parseJson<T>(
  text: string,
  site: { method: string; path: string; endpoint: string },
): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new DnbProtocolError(
      site,
      `body is not JSON (${error instanceof Error ? error.message : error})`,
      text.slice(0, 2_000),
    );
  }
}
