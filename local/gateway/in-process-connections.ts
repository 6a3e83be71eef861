/**
 * The @connections API for SDK clients in this very process: a request handler (the SDK's
 * `requestHandler` extension point) that answers each call with the emulator's own
 * `answerManagementCall` instead of sending it over a loopback socket. Everything before the socket is
 * unchanged — the client's serialisation, retries and SigV4 signing, and the emulator's checks,
 * throttle and answers; what it saves is an HTTP request and response per post, which on one thread
 * is most of what fanning a message out to a large room costs.
 */

import { answerManagementCall } from './management-api.ts';
import type { GatewayRuntime } from './runtime.ts';

/** The subset of the SDK's HttpRequest this handler reads. */
interface SdkRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** What the SDK's `requestHandler` option takes (smithy's HttpHandler), without importing smithy. */
export interface InProcessRequestHandler {
  handle(request: SdkRequest): Promise<{
    response: { statusCode: number; headers: Record<string, string>; body: Uint8Array };
  }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

const utf8 = new TextEncoder();

function bytesOf(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return utf8.encode(body);
  throw new TypeError('the in-process @connections transport takes string or byte bodies only');
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

export function inProcessConnectionsHandler(runtime: GatewayRuntime): InProcessRequestHandler {
  return {
    async handle(request) {
      const body = bytesOf(request.body);
      const answer = answerManagementCall(runtime, {
        method: request.method.toUpperCase(),
        path: request.path,
        authorization: headerOf(request.headers, 'authorization'),
        body,
        bodyBytes: body.length,
      });
      // Lower-case names, as Node's HTTP client hands them to the SDK.
      const headers = Object.fromEntries(
        Object.entries(answer.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      return {
        response: {
          statusCode: answer.status,
          headers,
          body: answer.body === undefined ? new Uint8Array() : utf8.encode(answer.body),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}
