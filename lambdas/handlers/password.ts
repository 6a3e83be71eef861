/**
 * POST /password: `{ username, session, newPassword }` (JSON or form) completes a login that answered
 * 403 `NEW_PASSWORD_REQUIRED` (an account an administrator created with a temporary password): the new
 * password is set and the answer is the same as a successful `/login`. A session that is unknown,
 * expired (Cognito's last 3 minutes) or another user's gets 401; a password that does not meet the
 * policy gets 400 naming the rules. No password or session is ever logged.
 */
import { parseNewPasswordRequest } from '../core/credentials.ts';
import type { PasswordAuthenticator } from '../core/password-authenticator.ts';
import { passwordPolicyDescription } from '../core/password-policy.ts';
import {
  type CredentialEndpointSettings,
  createCredentialEndpoint,
  lazyCognitoHandler,
  tokenResponse,
  tooManyRequests,
} from './credential-endpoint.ts';
import { jsonResponse, requestBodyOf } from './http-response.ts';

export interface PasswordDeps extends CredentialEndpointSettings {
  /** Only `completeNewPassword` is used. */
  readonly authenticator: Pick<PasswordAuthenticator, 'completeNewPassword'>;
}

export const invalidSessionMessage = 'Invalid or expired session; log in again with the temporary password';

export function createPasswordHandler(deps: PasswordDeps) {
  return createCredentialEndpoint(
    {
      name: 'password',
      parse: (event) => parseNewPasswordRequest(requestBodyOf(event)),
      call: ({ username, session, newPassword }) =>
        deps.authenticator.completeNewPassword(username, session, newPassword),
      refused: (refusal) => {
        if (refusal === 'throttled') return tooManyRequests();
        return refusal === 'password-rejected'
          ? jsonResponse(400, { message: passwordPolicyDescription })
          : jsonResponse(401, { message: invalidSessionMessage });
      },
      succeeded: (tokens) => tokenResponse(deps.tokenCookie, tokens),
    },
    deps,
  );
}

export const handler = lazyCognitoHandler('password', createPasswordHandler);
