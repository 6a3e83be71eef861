/**
 * Verifies access tokens for the authorizer with aws-jwt-verify, the same code path for Cognito on AWS
 * and for the local identity provider (OIDC mode).
 *
 * Before aws-jwt-verify sees a token, Parley refuses what it never needs: tokens over 8 KB, and JWT
 * headers that point at keys (`jku`, `x5u`, `x5c`, `jwk`) or demand extensions (`crit`).
 * aws-jwt-verify ignores those headers and only ever uses keys from the configured JWKS URI; refusing
 * them explicitly keeps that guarantee if the library or the configuration ever changes.
 *
 * Create one verifier per Lambda instance (module scope) so its JWKS cache survives warm invocations.
 */
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidGroupError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NonRetryableFetchError,
  NotSupportedError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { type Jwks, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { TokenIssuerConfig } from '../config.ts';
import { ConfigurationError } from '../core/errors.ts';
import type { Identity } from '../core/identity.ts';
import type { TokenRejection, TokenVerifier } from '../core/ports.ts';
import { fail, type Result } from '../core/result.ts';
import { type ClaimsRejection, cognitoGroupsClaim, identityFromClaims } from '../core/token-claims.ts';

/** Tokens longer than this are refused before any parsing (API Gateway caps authorizer output at 8 KB too). */
export const maxTokenBytes = 8192;

/** JOSE header parameters that name or embed keys, or demand extensions; a Parley token never carries them. */
export const forbiddenHeaderParameters = ['jku', 'x5u', 'x5c', 'jwk', 'crit'] as const;

/** In OIDC mode, a token whose `token_use` differs from the configured one (Cognito mode has its own error). */
export class JwtInvalidTokenUseError extends JwtInvalidClaimError {}

/**
 * Why a token was refused: an aws-jwt-verify error class name (`JwtExpiredError`, `KidNotFoundInJwksError`
 * …), or one of Parley's own checks. `UnexpectedError` is anything that is neither.
 */
export type TokenRejectionReason =
  | 'TokenMissing'
  | 'TokenTooLarge'
  | 'TokenHeaderRejected'
  | ClaimsRejection
  | VerifierErrorName
  | 'UnexpectedError';

/** A {@link TokenRejection} whose reason is one of the names above. */
export interface JwtTokenRejection extends TokenRejection {
  readonly reason: TokenRejectionReason;
}

/** The port ({@link TokenVerifier}) as aws-jwt-verify implements it, plus control of its key cache. */
export interface JwtTokenVerifier extends TokenVerifier {
  verify(token: string | undefined): Promise<Result<Identity, JwtTokenRejection>>;
  /** Loads a JWKS into the cache with no network (tests, or keys known at start). */
  cacheJwks(jwks: Jwks): void;
  /** Downloads the JWKS now rather than on the first verification. */
  hydrate(): Promise<void>;
}

/**
 * The fetcher for plain-HTTP key sets on this machine. Only the local stack installs one (its issuer
 * serves the JWKS over http://127.0.0.1), before it imports the handlers; nothing deployed does, so a
 * deployed verifier fetches keys over HTTPS or not at all, and the cleartext fetcher is not even in the
 * deployed bundles.
 */
let loopbackJwksFetcher: Fetcher | undefined;

/** Installs (or, with `undefined`, removes) the fetcher verifiers use for an `http:` JWKS URI. */
export function installLoopbackJwksFetcher(fetcher: Fetcher | undefined): void {
  loopbackJwksFetcher = fetcher;
}

export interface TokenVerifierOptions {
  /**
   * How the JWKS is downloaded when a `kid` is not cached. Tests pass a stub.
   * @default aws-jwt-verify's HTTPS fetcher; for an `http:` JWKS URI the installed loopback fetcher
   */
  readonly fetcher?: Fetcher;
  /**
   * Seconds of clock skew tolerated on `exp` and `nbf`.
   * @default 0
   */
  readonly graceSeconds?: number;
}

/** The parts of aws-jwt-verify's verifiers Parley uses, whichever issuer kind is configured. */
interface JwtVerifierLike {
  verify(jwt: string): Promise<JwtPayload>;
  cacheJwks(jwks: Jwks): void;
  hydrate(): Promise<void>;
}

/**
 * Creates a verifier for the configured issuer. Configuration problems (a malformed user pool id, an
 * http:// JWKS URI with no loopback fetcher installed) throw `ConfigurationError` here, at cold start.
 */
export function createTokenVerifier(
  config: TokenIssuerConfig,
  options: TokenVerifierOptions = {},
): JwtTokenVerifier {
  const jwtVerifier = createJwtVerifier(config, options);
  const groupsClaim = config.kind === 'cognito' ? cognitoGroupsClaim : config.groupsClaim;
  return {
    verify: (token) => verifyToken(jwtVerifier, token, groupsClaim),
    cacheJwks: (jwks) => jwtVerifier.cacheJwks(jwks),
    hydrate: () => jwtVerifier.hydrate(),
  };
}

function createJwtVerifier(config: TokenIssuerConfig, options: TokenVerifierOptions): JwtVerifierLike {
  const graceSeconds = options.graceSeconds ?? 0;
  try {
    if (config.kind === 'cognito') {
      const jwksCache = options.fetcher ? new SimpleJwksCache({ fetcher: options.fetcher }) : undefined;
      return CognitoJwtVerifier.create(
        { userPoolId: config.userPoolId, tokenUse: 'access', clientId: config.clientId, graceSeconds },
        jwksCache ? { jwksCache } : undefined,
      );
    }
    const fetcher = options.fetcher ?? fetcherFor(config.jwksUri);
    const jwksCache = fetcher ? new SimpleJwksCache({ fetcher }) : undefined;
    const tokenUse = config.tokenUse;
    return JwtVerifier.create(
      {
        issuer: config.issuer,
        audience: [...config.audience],
        jwksUri: config.jwksUri,
        graceSeconds,
        ...(tokenUse === null
          ? {}
          : {
              customJwtCheck: ({ payload }: { payload: JwtPayload }) => {
                if (payload.token_use !== tokenUse) {
                  throw new JwtInvalidTokenUseError(
                    `token_use must be "${tokenUse}"`,
                    payload.token_use,
                    tokenUse,
                  );
                }
              },
            }),
      },
      jwksCache ? { jwksCache } : undefined,
    );
  } catch (error) {
    if (error instanceof ParameterValidationError) {
      throw new ConfigurationError([`token issuer settings are invalid: ${error.message}`]);
    }
    throw error;
  }
}

/** aws-jwt-verify's HTTPS fetcher (`undefined`) for https; the installed loopback fetcher for http. */
function fetcherFor(jwksUri: string): Fetcher | undefined {
  if (jwksUri.startsWith('https://')) return undefined;
  if (loopbackJwksFetcher && jwksUri.startsWith('http://')) return loopbackJwksFetcher;
  throw new ConfigurationError([`OIDC_JWKS_URI must be an https:// URL, got "${jwksUri}"`]);
}

async function verifyToken(
  jwtVerifier: JwtVerifierLike,
  token: string | undefined,
  groupsClaim: string,
): Promise<Result<Identity, JwtTokenRejection>> {
  if (token === undefined || token === '') return reject('TokenMissing');
  // Length first: it is O(1) and a character is at least one byte.
  if (token.length > maxTokenBytes || Buffer.byteLength(token, 'utf8') > maxTokenBytes)
    return reject('TokenTooLarge');
  try {
    const { header } = decomposeUnverifiedJwt(token);
    if (forbiddenHeaderParameters.some((name) => Object.hasOwn(header, name)))
      return reject('TokenHeaderRejected');
    const payload = await jwtVerifier.verify(token);
    const identity = identityFromClaims(payload, groupsClaim);
    return identity.success ? identity : reject(identity.error);
  } catch (error) {
    return fail(rejectionOf(error));
  }
}

function reject(reason: TokenRejectionReason): {
  readonly success: false;
  readonly error: JwtTokenRejection;
} {
  return fail({ reason, fault: 'client' });
}

/**
 * Explicit names rather than `constructor.name`: aws-jwt-verify's errors do not set `name`, and a
 * minifying bundler would rename the classes. Subclasses come before their parents.
 */
const verifierErrors = [
  [JwtExpiredError, 'JwtExpiredError', 'client'],
  [JwtNotBeforeError, 'JwtNotBeforeError', 'client'],
  [JwtInvalidIssuerError, 'JwtInvalidIssuerError', 'client'],
  [JwtInvalidAudienceError, 'JwtInvalidAudienceError', 'client'],
  [JwtInvalidScopeError, 'JwtInvalidScopeError', 'client'],
  [JwtInvalidTokenUseError, 'JwtInvalidTokenUseError', 'client'],
  [CognitoJwtInvalidTokenUseError, 'CognitoJwtInvalidTokenUseError', 'client'],
  [CognitoJwtInvalidClientIdError, 'CognitoJwtInvalidClientIdError', 'client'],
  [CognitoJwtInvalidGroupError, 'CognitoJwtInvalidGroupError', 'client'],
  [JwtInvalidClaimError, 'JwtInvalidClaimError', 'client'],
  [JwtInvalidSignatureAlgorithmError, 'JwtInvalidSignatureAlgorithmError', 'client'],
  [JwtInvalidSignatureError, 'JwtInvalidSignatureError', 'client'],
  [JwtParseError, 'JwtParseError', 'client'],
  [JwtWithoutValidKidError, 'JwtWithoutValidKidError', 'client'],
  [KidNotFoundInJwksError, 'KidNotFoundInJwksError', 'client'],
  [WaitPeriodNotYetEndedJwkError, 'WaitPeriodNotYetEndedJwkError', 'client'],
  [JwksNotAvailableInCacheError, 'JwksNotAvailableInCacheError', 'server'],
  [JwkInvalidUseError, 'JwkInvalidUseError', 'server'],
  [JwkInvalidKtyError, 'JwkInvalidKtyError', 'server'],
  [JwksValidationError, 'JwksValidationError', 'server'],
  [JwkValidationError, 'JwkValidationError', 'server'],
  [NonRetryableFetchError, 'NonRetryableFetchError', 'server'],
  [FetchError, 'FetchError', 'server'],
  // Settings are checked at creation, so at verification time this means the token named an issuer the
  // verifier does not know (a multi-issuer verifier such as Cognito's cannot even pick a configuration).
  [ParameterValidationError, 'ParameterValidationError', 'client'],
  [NotSupportedError, 'NotSupportedError', 'server'],
  [JwtBaseError, 'JwtBaseError', 'server'],
] as const;

type VerifierErrorName = (typeof verifierErrors)[number][1];

function rejectionOf(error: unknown): JwtTokenRejection {
  for (const [errorClass, reason, fault] of verifierErrors) {
    if (error instanceof errorClass) return { reason, fault };
  }
  return { reason: 'UnexpectedError', fault: 'server' };
}
