/**
 * The `$connect` handshake: identity sources, then the authorizer, then the `$connect` integration,
 * each able to refuse the upgrade with the status API Gateway would send.
 */

import { fail, ok, type Result } from '../../lambdas/core/result.ts';
import { describeError } from '../logger.ts';
import { authorize } from './authorizer.ts';
import type { GatewayConnection } from './connection-registry.ts';
import { authorizerEvent, connectEvent } from './events.ts';
import { type HandshakeRequest, headerValue } from './handshake-request.ts';
import { missingIdentitySources } from './identity-sources.ts';
import { type GatewayRuntime, gatewayMessages } from './runtime.ts';

/** The subprotocol to answer with, or the status, body and reason of the refusal. */
export type HandshakeVerdict = Result<
  { readonly subprotocol: string | undefined },
  { readonly status: number; readonly body: string; readonly reason: string }
>;

const refuse = (status: keyof typeof gatewayMessages, reason: string): HandshakeVerdict =>
  fail({ status, body: JSON.stringify({ message: gatewayMessages[status] }), reason });

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
    if (!verdict.success) return refuse(verdict.error.status, verdict.error.reason);
    connection.authorizer = verdict.data;
  }

  const route = integrations.routes.$connect;
  if (!route) return ok({ subprotocol: undefined });
  const result = await route.invoke(connectEvent(settings, connection, request));
  if (!result.success) return refuse(502, `$connect failed: ${describeError(result.error.cause)}`);
  const response = result.data as {
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
    return fail({
      status: statusCode,
      body: typeof response.body === 'string' ? response.body : '',
      reason: `$connect answered ${statusCode}`,
    });
  }
  return ok({ subprotocol: headerValue(response.headers, 'Sec-WebSocket-Protocol') });
}
