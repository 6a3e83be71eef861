/**
 * What API Gateway keeps of a WebSocket upgrade request: headers with the client's casing, the query
 * string, and the caller's address. Query strings exist only on `$connect`.
 */
import type { IncomingMessage } from 'node:http';

export interface HandshakeRequest {
  /** The last value of each header, under the casing the client sent. */
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders: Readonly<Record<string, readonly string[]>>;
  /** The last value of each query-string parameter. */
  readonly queryStringParameters: Readonly<Record<string, string>>;
  readonly multiValueQueryStringParameters: Readonly<Record<string, readonly string[]>>;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  /** The Host header, used as the event's `domainName`. */
  readonly domainName: string;
}

export function readHandshakeRequest(request: IncomingMessage, forwardedPort: number): HandshakeRequest {
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const multiValueHeaders: Record<string, string[]> = {};
  const casing = new Map<string, string>();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const key = casing.get(name.toLowerCase()) ?? name;
    casing.set(name.toLowerCase(), key);
    const values = multiValueHeaders[key] ?? [];
    values.push(raw[i + 1] as string);
    multiValueHeaders[key] = values;
  }
  // API Gateway adds these for every handshake.
  multiValueHeaders['X-Forwarded-For'] = [sourceIp];
  multiValueHeaders['X-Forwarded-Port'] = [String(forwardedPort)];
  multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const headers = Object.fromEntries(
    Object.entries(multiValueHeaders).map(([name, values]) => [name, values.at(-1) as string]),
  );

  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of query) {
    multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
  }
  const queryStringParameters = Object.fromEntries(
    Object.entries(multiValueQueryStringParameters).map(([name, values]) => [name, values.at(-1) as string]),
  );

  return {
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    sourceIp,
    userAgent: request.headers['user-agent'],
    domainName: request.headers.host ?? 'localhost',
  };
}

/** Case-insensitive header lookup, as API Gateway's identity-source check does. */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1];
}
