/**
 * `$connect` REQUEST authorizer: finds the client's credential, verifies it, and either allows the
 * connection with the caller's identity as context or throws `Unauthorized`, which API Gateway turns
 * into a 401 for the client.
 *
 * Each denial is logged as one JSON line carrying the reason's name and the request id — never the
 * token, the event or its headers.
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { createJsonLogger } from '../adapters/json-logger.ts';
import {
  createTokenVerifier,
  type TokenRejectionReason,
  type TokenVerifier,
} from '../adapters/token-verifier.ts';
import { loadAuthConfig } from '../config.ts';
import {
  type ConnectRequest,
  type CredentialExtractor,
  defaultCredentialExtractors,
  extractCredential,
} from '../core/credential-sources.ts';
import { toAuthorizerContext } from '../core/identity.ts';
import type { Logger } from '../core/ports.ts';

/** What the authorizer reads from API Gateway's event; `APIGatewayRequestAuthorizerEvent` satisfies it. */
export interface AuthorizerRequest extends ConnectRequest {
  readonly methodArn: string;
  readonly requestContext?: { readonly requestId?: string } | null;
}

export interface AuthorizerDeps {
  readonly verifier: Pick<TokenVerifier, 'verify'>;
  /** @default a JSON-lines logger on stdout */
  readonly logger?: Logger;
  /** @default `defaultCredentialExtractors` (the `?token=` query string) */
  readonly extractors?: readonly CredentialExtractor[];
}

export type DenialReason = TokenRejectionReason | 'TokenAmbiguous';

/** The one error API Gateway maps to 401; any other thrown error becomes a 500. */
const unauthorized = () => new Error('Unauthorized');

export function createAuthorizerHandler(deps: AuthorizerDeps) {
  const logger = deps.logger ?? createJsonLogger({ function: 'authorizer' });
  const extractors = deps.extractors ?? defaultCredentialExtractors;

  const deny = (event: AuthorizerRequest, reason: DenialReason, fault: 'client' | 'server'): never => {
    const fields = { reason, requestId: event.requestContext?.requestId };
    if (fault === 'server') logger.error('connection denied', fields);
    else logger.info('connection denied', fields);
    throw unauthorized();
  };

  return async (event: AuthorizerRequest): Promise<APIGatewayAuthorizerResult> => {
    const credential = extractCredential(event, extractors);
    if (credential.kind === 'missing') return deny(event, 'TokenMissing', 'client');
    if (credential.kind === 'ambiguous') return deny(event, 'TokenAmbiguous', 'client');
    const verified = await deps.verifier.verify(credential.token);
    if (!verified.success) return deny(event, verified.error.reason, verified.error.fault);
    const identity = verified.data;
    return {
      principalId: identity.userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { ...toAuthorizerContext(identity) },
    };
  };
}

let defaultHandler: ReturnType<typeof createAuthorizerHandler> | undefined;

/**
 * Built on the first invocation and kept for the life of the instance, so the verifier's JWKS cache
 * is shared by warm invocations. (Lazily, so importing this module in tests needs no environment.)
 * A configuration error escapes as a non-`Unauthorized` error: API Gateway answers 500, not 401.
 */
export const handler = async (event: AuthorizerRequest): Promise<APIGatewayAuthorizerResult> => {
  defaultHandler ??= createAuthorizerHandler({ verifier: createTokenVerifier(loadAuthConfig().issuer) });
  return defaultHandler(event);
};
