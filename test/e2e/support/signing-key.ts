/**
 * A signing key the test generates and hands to the local stack (`identity.signingKeyFile`, the
 * `--signing-key FILE` option), so tests can sign tokens the stack's authorizer trusts, then break them
 * one way at a time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack } from '../../../local/local-stack.ts';
import { nowSeconds, rsaKey, signJwt, type TestKey } from '../../fixtures/jwt.ts';

export interface GeneratedSigningKey {
  readonly file: string;
  readonly key: TestKey;
  remove(): Promise<void>;
}

/** An RSA-2048 key written as PKCS#8 PEM to a fresh temporary directory. */
export async function writeSigningKey(): Promise<GeneratedSigningKey> {
  const key = rsaKey();
  const directory = await mkdtemp(join(tmpdir(), 'parley-signing-key-'));
  const file = join(directory, 'signing-key.pem');
  await writeFile(file, key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  return { file, key, remove: () => rm(directory, { recursive: true, force: true }) };
}

export interface LocalTokenSigner {
  /** The key under the `kid` the stack publishes in its JWKS. */
  readonly key: TestKey;
  /** Claims the stack's authorizer accepts (a local access token for `sub`), with overrides. */
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A token the stack's authorizer accepts; overrides change claims or (second argument) the header. */
  sign(claims?: Record<string, unknown>, header?: Record<string, unknown>): string;
}

export function localTokenSigner(stack: LocalStack, generated: GeneratedSigningKey): LocalTokenSigner {
  const published = stack.identity.jwks.keys[0];
  if (!published || published.n !== generated.key.jwk.n) {
    throw new Error('the stack does not sign with the generated key');
  }
  const key: TestKey = {
    ...generated.key,
    kid: published.kid,
    jwk: { ...generated.key.jwk, kid: published.kid },
  };
  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = nowSeconds();
    return {
      sub: 'hostile-test-user',
      iss: stack.identity.issuer,
      aud: stack.identity.audience,
      client_id: stack.identity.audience,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: now,
      iat: now,
      exp: now + 600,
      jti: `jti-${now}`,
      username: 'mallory',
      ...overrides,
    };
  };
  return { key, claims, sign: (body = claims(), header = {}) => signJwt(key, body, header) };
}
