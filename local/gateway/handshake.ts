/**
 * The `$connect` handshake: identity sources, then the authorizer, then the `$connect` integration,
 * each able to refuse the upgrade with the status API Gateway would send.
 */

import { describeError } from '../logger.ts';
import { authorize } from './authorizer.ts';
import type { GatewayConnection } from './connection-registry.ts';
import { authorizerEvent, connectEvent } from './events.ts';
import { type HandshakeRequest, headerValue } from './handshake-request.ts';
import { missingIdentitySources } from './identity-sources.ts';
import { type GatewayRuntime, gatewayMessages } from './runtime.ts';

export type HandshakeVerdict =
  | { readonly accepted: true; readonly subprotocol: string | undefined }
  | { readonly accepted: false; readonly status: number; readonly body: string; readonly reason: string };

const refuse = (status: keyof typeof gatewayMessages, reason: string): HandshakeVerdict => ({
  accepted: false,
  status,
  body: JSON.stringify({ message: gatewayMessages[status] }),
  reason,
});

export async function runHandshake(
  runtime: GatewayRuntime,
  connection: GatewayConnection,
  request: HandshakeRequest,
): Promise<HandshakeVerdict> {
  const integrations = runtime.integrations;
  if (!integrations) return refuse(503, 'the local stack is still starting');
  const { settings } = runtime;

  if (integrations.authorizer) {
    const event = authorizerEvent(settings, connection, request);
    const missing = missingIdentitySources(
      runtime.identitySources,
      request,
      settings.stageVariables,
      event.requestContext as unknown as Record<string, unknown>,
    );
    if (missing.length > 0) return refuse(401, `identity source missing or empty: ${missing.join(', ')}`);
    const verdict = await authorize(integrations.authorizer, event, settings.limits.maxAuthorizerResultBytes);
    if (!verdict.allowed) return refuse(verdict.status, verdict.reason);
    connection.authorizer = verdict.authorizer;
  }

  const route = integrations.routes.$connect;
  if (!route) return { accepted: true, subprotocol: undefined };
  const result = await route.invoke(connectEvent(settings, connection, request));
  if (!result.ok) return refuse(502, `$connect failed: ${describeError(result.error)}`);
  const response = result.value as {
    statusCode?: unknown;
    headers?: Record<string, string>;
    body?: unknown;
  } | null;
  if (typeof response !== 'object' || response === null || typeof response.statusCode !== 'number') {
    return refuse(
      502,
      '$connect returned no statusCode (a Lambda proxy integration must return { statusCode })',
    );
  }
  const { statusCode } = response;
  if (statusCode < 200 || statusCode > 299) {
    return {
      accepted: false,
      status: statusCode,
      body: typeof response.body === 'string' ? response.body : '',
      reason: `$connect answered ${statusCode}`,
    };
  }
  return { accepted: true, subprotocol: headerValue(response.headers, 'Sec-WebSocket-Protocol') };
}
