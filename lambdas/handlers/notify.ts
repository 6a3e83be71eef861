/**
 * `POST /notify` (an administrator's `Authorization: Bearer <token>`) and `POST /service/notify` (a
 * backend's SigV4 signature, checked by API Gateway's IAM authorizer): one notification to a user, a
 * room or everyone (lambdas/core/notifications.ts), answered `202 { id, delivered }` for a user (posted
 * within the request) and `202 { id, queued }` for a room or everyone (handed to the fan-out queues).
 *
 * Who sends it decides `from`, never the body: the IAM authorizer's context (`requestContext.authorizer.iam`,
 * which only API Gateway sets, and only on an IAM-authorized route) makes it `service`; otherwise the
 * bearer token must verify, with the same verifier as the `$connect` authorizer, and carry the `admin`
 * group, and `from` is its username. A route that lost its IAM authorizer by mistake therefore still
 * demands an administrator's token.
 *
 * Statuses: 401 (no or a refused token, with `WWW-Authenticate: Bearer`), 403 (a valid token without
 * `admin`), 415/413/400 (the body; nothing is delivered), 500 (a server fault, the key set being
 * unreachable included). Logs carry the failed check's name, never the token or the notification's text.
 */
import type {
  APIGatewayEventRequestContextIAMAuthorizer,
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { createTokenVerifier } from '../adapters/token-verifier.ts';
import { loadAuthConfig } from '../config.ts';
import { describeFailure } from '../core/failure.ts';
import { globalRolesOf } from '../core/frames.ts';
import { parseJsonBody } from '../core/json-body.ts';
import { MAX_NOTIFICATION_BODY_BYTES, parseNotificationRequest } from '../core/notification-request.ts';
import { type NotificationDeps, SERVICE_SENDER, sendNotification } from '../core/notifications.ts';
import type { TokenVerifier } from '../core/ports.ts';
import { bearerToken, bodyProblemResponse, jsonResponse, requestBodyOf } from './http-response.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export interface NotifyHandlerDeps extends NotificationDeps {
  /** Verifies administrators' bearer tokens. */
  readonly verifier: TokenVerifier;
}

type IamCaller = APIGatewayEventRequestContextIAMAuthorizer['iam'];

/** Who is sending, or the response that refuses the request. */
type Sender =
  | { readonly from: string; readonly caller: Record<string, string> }
  | { readonly refused: APIGatewayProxyStructuredResultV2 };

export function createNotifyHandler(deps: NotifyHandlerDeps) {
  const { logger } = deps;

  const refuse = (requestId: string | undefined, reason: string, tokenPresent: boolean) => {
    logger.info('notification refused', { reason, requestId });
    return jsonResponse(
      401,
      { message: tokenPresent ? 'Invalid or expired token' : 'Missing bearer token' },
      // RFC 6750 §3: the scheme to use, and whether the presented token was the problem.
      { 'www-authenticate': tokenPresent ? 'Bearer error="invalid_token"' : 'Bearer' },
    );
  };
  const serverFault = (requestId: string | undefined, fields: Record<string, unknown>) => {
    logger.error('notification failed', { ...fields, requestId });
    return jsonResponse(500, { message: 'Notification could not be sent; try again later' });
  };

  const senderOf = async (event: APIGatewayProxyEventV2, requestId: string | undefined): Promise<Sender> => {
    const iam = iamCallerOf(event);
    if (iam) {
      return {
        from: SERVICE_SENDER,
        caller: { userArn: iam.userArn ?? '', accountId: iam.accountId ?? '' },
      };
    }
    const token = bearerToken(event.headers);
    if (token === undefined) return { refused: refuse(requestId, 'TokenMissing', false) };
    const verified = await deps.verifier.verify(token);
    if (!verified.success) {
      return {
        refused:
          verified.error.fault === 'server'
            ? serverFault(requestId, { reason: verified.error.reason })
            : refuse(requestId, verified.error.reason, true),
      };
    }
    const { username, userId } = verified.data;
    if (!globalRolesOf(verified.data.groups).includes('admin')) {
      logger.info('notification refused', { reason: 'NotAdmin', userId, requestId });
      return {
        refused: jsonResponse(
          403,
          { message: 'Only administrators (group admin) may send notifications' },
          { 'www-authenticate': 'Bearer error="insufficient_scope"' },
        ),
      };
    }
    return { from: username, caller: { userId } };
  };

  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    const sender = await senderOf(event, requestId);
    if ('refused' in sender) return sender.refused;

    const body = parseJsonBody(requestBodyOf(event), MAX_NOTIFICATION_BODY_BYTES);
    if (!body.success) {
      logger.info('notification refused', { reason: body.error.kind, requestId });
      return bodyProblemResponse(body.error);
    }
    const request = parseNotificationRequest(body.data);
    if (!request.success) {
      logger.info('notification refused', { reason: 'invalid-field', requestId });
      return jsonResponse(400, { message: request.error });
    }

    try {
      const { to } = request.data;
      const report = await sendNotification(deps, sender.from, request.data);
      // Who sent it to whom, and how it went; never the title, content or data.
      logger.info('notification sent', {
        ...report,
        from: sender.from,
        ...sender.caller,
        target: to.kind,
        ...(to.kind === 'user' ? { toUser: to.username } : to.kind === 'room' ? { toRoom: to.room } : {}),
        requestId,
      });
      // A user's connections are posted to now; a room and everyone are queued for the fan-out.
      return jsonResponse(
        202,
        report.target === 'user'
          ? { id: report.id, delivered: report.delivered }
          : { id: report.id, queued: report.queued ?? true },
      );
    } catch (error) {
      return serverFault(requestId, describeFailure(error));
    }
  };
}

/** The IAM authorizer's context: present only when API Gateway verified a SigV4 signature for the route. */
function iamCallerOf(event: APIGatewayProxyEventV2): Partial<IamCaller> | undefined {
  const authorizer = (
    event.requestContext as { authorizer?: Partial<APIGatewayEventRequestContextIAMAuthorizer> }
  ).authorizer;
  const iam = authorizer?.iam;
  return typeof iam === 'object' && iam !== null ? iam : undefined;
}

/** Issuer settings, TABLE_NAME, CALLBACK_URL and the room settings, read once at cold start. */
export const handler = createNotifyHandler({
  ...sessionDepsFromEnv(loggerFor('notify')),
  verifier: createTokenVerifier(loadAuthConfig().issuer),
});
