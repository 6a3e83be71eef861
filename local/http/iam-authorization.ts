/**
 * IAM authorization of the local HTTP API's IAM routes (`iamHttpRoutes` in lambdas/functions.ts), as far
 * as it can be emulated without IAM: the request must carry a SigV4 `Authorization` header whose
 * credential is scoped to `execute-api`, as API Gateway requires, or it gets 403 before the function
 * runs. The signature itself is NOT verified and no policy is evaluated (there are no local IAM users);
 * local/README.md says so under "Where the emulator differs".
 *
 * The function then sees the IAM authorizer's context (`requestContext.authorizer.iam`), in which only
 * `accessKey` is real; the other fields name no real principal and say `local`.
 */
import type { APIGatewayEventRequestContextIAMAuthorizer } from 'aws-lambda';

export type IamCaller = APIGatewayEventRequestContextIAMAuthorizer['iam'];

export type IamAuthorization =
  | { readonly allowed: true; readonly caller: IamCaller }
  | { readonly allowed: false; readonly message: string };

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=…` */
const SIGV4 = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,/;

/** Checks the `Authorization` header's form (never its signature) and builds the authorizer context. */
export function authorizeIam(authorization: string | undefined): IamAuthorization {
  if (!authorization?.startsWith('AWS4-HMAC-SHA256')) return { allowed: false, message: 'Forbidden' };
  const match = SIGV4.exec(authorization);
  if (!match || !/SignedHeaders=/.test(authorization) || !/Signature=[0-9a-f]{64}/.test(authorization)) {
    return {
      allowed: false,
      message:
        'Authorization header requires Credential, SignedHeaders and Signature (AWS Signature Version 4)',
    };
  }
  const [, accessKey = '', , , service] = match;
  if (service !== 'execute-api') {
    return {
      allowed: false,
      message: `Credential should be scoped to correct service: 'execute-api', got '${service}'`,
    };
  }
  return {
    allowed: true,
    caller: {
      accessKey,
      accountId: 'local',
      callerId: 'local',
      cognitoIdentity: null,
      principalOrgId: 'local',
      userArn: 'local',
      userId: 'local',
    },
  };
}
