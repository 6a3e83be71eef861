/**
 * Hostile handshakes: every malformed, forged or misdirected token is refused with 401, nothing is
 * written to the table, and the authorizer logs the reason's name. Tokens are signed with a key the test
 * generated and gave the stack (`identity.signingKeyFile`), then broken one way at a time; a control
 * case proves the unbroken token gets in.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  hs256WithPublicKey,
  noneAlgWithSignature,
  nowSeconds,
  replaceClaims,
  rsaKey,
  signJwt,
  tamperSignature,
  truncateToTwoParts,
  unsignedJwt,
} from '../fixtures/jwt.ts';
import type { ConnectOptions } from '../local/support/test-client.ts';
import { eventTimeoutMs } from './support/eventually.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { captureLogs, type LogCapture } from './support/log-capture.ts';
import {
  type GeneratedSigningKey,
  type LocalTokenSigner,
  localTokenSigner,
  writeSigningKey,
} from './support/signing-key.ts';

type Attempt = { readonly suffix: string; readonly options?: ConnectOptions };
const viaQuery = (token: string): Attempt => ({ suffix: `?token=${encodeURIComponent(token)}` });

/** [case, how the handshake presents the token, the reason the authorizer logs] */
const cases: readonly [string, (signer: LocalTokenSigner) => Attempt, string][] = [
  ['no token at all', () => ({ suffix: '' }), 'TokenMissing'],
  ['an empty token', () => ({ suffix: '?token=' }), 'TokenMissing'],
  ['garbage', () => viaQuery('garbage'), 'JwtParseError'],
  ['a truncated token (no signature part)', (s) => viaQuery(truncateToTwoParts(s.sign())), 'JwtParseError'],
  [
    'a token cut in half',
    (s) => viaQuery(s.sign().slice(0, Math.floor(s.sign().length / 2))),
    'JwtParseError',
  ],
  [
    'an oversized token (> 8 KB, in the cookie)',
    (s) => ({
      suffix: '',
      options: { headers: { Cookie: `__Host-parley_token=${s.sign(s.claims({ pad: 'x'.repeat(9000) }))}` } },
    }),
    'TokenTooLarge',
  ],
  ['alg none without a signature', (s) => viaQuery(unsignedJwt(s.claims(), s.key.kid)), 'JwtParseError'],
  [
    'alg none with a signature',
    (s) => viaQuery(noneAlgWithSignature(s.claims(), s.key.kid)),
    'JwtInvalidSignatureAlgorithmError',
  ],
  [
    'HS256 keyed with the public key',
    (s) => viaQuery(hs256WithPublicKey(s.key, s.claims())),
    'JwtInvalidSignatureAlgorithmError',
  ],
  ['a bad signature', (s) => viaQuery(tamperSignature(s.sign())), 'JwtInvalidSignatureError'],
  [
    'forged claims under a real signature',
    (s) => viaQuery(replaceClaims(s.sign(), s.claims({ sub: 'admin' }))),
    'JwtInvalidSignatureError',
  ],
  [
    'another key under the published kid',
    (s) => viaQuery(signJwt({ ...rsaKey(), kid: s.key.kid }, s.claims())),
    'JwtInvalidSignatureError',
  ],
  [
    'an expired token',
    (s) => viaQuery(s.sign(s.claims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }))),
    'JwtExpiredError',
  ],
  [
    'a token not yet valid',
    (s) => viaQuery(s.sign(s.claims({ nbf: nowSeconds() + 3600 }))),
    'JwtNotBeforeError',
  ],
  [
    'a wrong issuer',
    (s) => viaQuery(s.sign(s.claims({ iss: 'https://issuer.evil.example' }))),
    'JwtInvalidIssuerError',
  ],
  [
    'a wrong audience',
    (s) => viaQuery(s.sign(s.claims({ aud: 'another-app', client_id: 'another-app' }))),
    'JwtInvalidAudienceError',
  ],
  [
    'a wrong token use (an ID token)',
    (s) => viaQuery(s.sign(s.claims({ token_use: 'id' }))),
    'JwtInvalidTokenUseError',
  ],
  ['no subject', (s) => viaQuery(s.sign(s.claims({ sub: undefined }))), 'TokenSubjectMissing'],
  ['an unknown kid', (s) => viaQuery(s.sign(s.claims(), { kid: 'unknown-kid' })), 'KidNotFoundInJwksError'],
  [
    'a jku header',
    (s) => viaQuery(s.sign(s.claims(), { jku: 'https://evil.example/jwks.json' })),
    'TokenHeaderRejected',
  ],
  [
    'an x5u header',
    (s) => viaQuery(s.sign(s.claims(), { x5u: 'https://evil.example/cert.pem' })),
    'TokenHeaderRejected',
  ],
  [
    'an embedded jwk of the attacker’s key',
    (s) => {
      const attacker = { ...rsaKey(), kid: s.key.kid };
      return viaQuery(signJwt(attacker, s.claims(), { jwk: attacker.jwk }));
    },
    'TokenHeaderRejected',
  ],
];

const hostileTokens = cases.map(([name, attempt, reason]) => ({ name, attempt, reason }));

describe('hostile handshakes on the local stack', () => {
  let generated: GeneratedSigningKey;
  let harness: Harness;
  let signer: LocalTokenSigner;
  let logs: LogCapture;

  beforeAll(async () => {
    generated = await writeSigningKey();
    harness = await startHarness({ identity: { signingKeyFile: generated.file } });
    signer = localTokenSigner(harness.stack, generated);
    logs = captureLogs();
  });
  afterEach(() => harness.closeAll());
  afterAll(async () => {
    logs?.restore();
    await harness?.stop();
    await generated?.remove();
  });

  it('lets the unbroken token in (the control case)', async () => {
    // Act
    const handshake = await harness.handshake(viaQuery(signer.sign()).suffix);

    // Assess
    expect(harness.stack.identity.signingKeyOrigin).toBe(generated.file);
    expect(handshake.kind).toBe('open');
    if (handshake.kind !== 'open') return;
    const welcome = await handshake.client.nextJson((frame) => frame.type === 'welcome', eventTimeoutMs);
    expect(welcome).toMatchObject({ userId: 'hostile-test-user', username: 'mallory' });
  });

  it.each(hostileTokens)(
    'refuses $name with 401, writes nothing and logs only $reason',
    async ({ attempt, reason }) => {
      // Prepare
      const { suffix, options } = attempt(signer);
      const before = await harness.table.snapshot();
      const from = logs.lines.length;

      // Act
      const handshake = await harness.handshake(suffix, options);

      // Assess
      expect(handshake).toMatchObject({ kind: 'refused', status: 401, body: '{"message":"Unauthorized"}' });
      expect(await harness.table.snapshot()).toEqual(before);
      expect(harness.stack.gateway.connections()).toEqual([]);
      const denials = logs.jsonLinesSince(from).filter((line) => line.message === 'connection denied');
      expect(denials).toEqual([
        {
          level: 'INFO',
          message: 'connection denied',
          time: expect.any(String),
          function: 'authorizer',
          reason,
          requestId: expect.any(String),
          ...(reason === 'TokenMissing' ? {} : { source: expect.any(String) }),
        },
      ]);
    },
  );
});
