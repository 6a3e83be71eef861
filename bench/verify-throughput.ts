/**
 * Figure 4: how many handshakes per second the production authorizer can verify, against bare
 * `crypto.verify` of the same RS256 tokens. The authorizer is the real handler
 * (`createAuthorizerHandler` over `createTokenVerifier`, aws-jwt-verify with its JWKS cached, as a warm
 * Lambda instance has it); every token is distinct (its own subject and id), so nothing is cached per
 * token. Passes alternate on one thread; the median rate of each is reported.
 */
import { verify } from 'node:crypto';
import { createTokenVerifier } from '../lambdas/adapters/token-verifier.ts';
import { loadAuthConfig } from '../lambdas/config.ts';
import { createAuthorizerHandler } from '../lambdas/handlers/authorizer.ts';
import {
  jwksOf,
  oidcAccessClaims,
  oidcAudience,
  oidcIssuer,
  oidcJwksUri,
  rsaKey,
  signJwt,
  type TestKey,
} from '../test/fixtures/jwt.ts';
import { type BenchEntry, compared } from './entry.ts';
import { median } from './stats.ts';

export const SECTION = '4. Authorizer verifications ÷ bare crypto.verify (RS256, one thread)';

export interface VerifyThroughputOptions {
  readonly tokens: number;
  readonly passes: number;
}

function distinctTokens(key: TestKey, count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    signJwt(key, oidcAccessClaims({ sub: `user-${index}`, jti: `jti-${index}`, username: `user${index}` })),
  );
}

/** Verifies each token's signature and nothing else: the least any verifier must do. */
function bareVerify(key: TestKey, tokens: readonly string[]): number {
  let valid = 0;
  for (const token of tokens) {
    const dot = token.lastIndexOf('.');
    const ok = verify(
      'sha256',
      Buffer.from(token.slice(0, dot)),
      key.publicKey,
      Buffer.from(token.slice(dot + 1), 'base64url'),
    );
    if (ok) valid++;
  }
  return valid;
}

export async function measureVerifyThroughput(options: VerifyThroughputOptions): Promise<BenchEntry[]> {
  const key = rsaKey();
  const tokens = distinctTokens(key, options.tokens);
  // The issuer settings as the authorizer reads them at cold start, so every check it makes is made here.
  const { issuer } = loadAuthConfig({
    AUTH_MODE: 'oidc',
    OIDC_ISSUER: oidcIssuer,
    OIDC_AUDIENCE: oidcAudience,
    OIDC_JWKS_URI: oidcJwksUri,
    OIDC_TOKEN_USE: 'access',
  });
  const verifier = createTokenVerifier(issuer);
  verifier.cacheJwks(jwksOf(key));
  const silent = { info() {}, warn() {}, error() {} };
  const authorize = createAuthorizerHandler({ verifier, logger: silent });
  const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:bench/prod/$connect';

  const authorizerPass = async () => {
    let allowed = 0;
    const started = performance.now();
    for (const [index, token] of tokens.entries()) {
      const result = await authorize({
        methodArn,
        headers: { Host: 'bench.example' },
        queryStringParameters: { token },
        requestContext: { requestId: `r-${index}` },
      });
      if (result.policyDocument.Statement[0]?.Effect === 'Allow') allowed++;
    }
    return {
      perSecond: tokens.length / ((performance.now() - started) / 1000),
      refused: tokens.length - allowed,
    };
  };
  const barePass = () => {
    const started = performance.now();
    const valid = bareVerify(key, tokens);
    return {
      perSecond: tokens.length / ((performance.now() - started) / 1000),
      refused: tokens.length - valid,
    };
  };

  await authorizerPass();
  barePass();
  const authorizerRates: number[] = [];
  const bareRates: number[] = [];
  let refused = 0;
  for (let pass = 0; pass < options.passes; pass++) {
    const measured = await authorizerPass();
    refused += measured.refused;
    authorizerRates.push(measured.perSecond);
    const baseline = barePass();
    refused += baseline.refused;
    bareRates.push(baseline.perSecond);
  }
  return [
    compared(
      SECTION,
      `authorizer, ${options.tokens.toLocaleString('en-US')} distinct tokens`,
      median(authorizerRates),
      median(bareRates),
      'verifications/s',
      {
        goal: { comparison: 'at-least', ratio: 0.7 },
        note: `${refused} valid tokens refused; median of ${options.passes} passes each`,
      },
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(formatTable(await measureVerifyThroughput({ tokens: 1000, passes: 3 })));
}
