/**
 * The local issuer's RS256 signing key. With a data directory it is generated once and kept as
 * `<dataDir>/signing-key.pem` (PKCS#8 PEM, mode 0600), so tokens stay valid across restarts; an
 * explicit PEM file wins over the data directory; with neither, the key lives only in memory.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigurationError } from '../../lambdas/core/errors.ts';

export const signingKeyFileName = 'signing-key.pem';
const minimumModulusBits = 2048;

/** A public RSA signing key as published in the JWKS (a type alias, so it is a JSON object type). */
export type RsaSigningJwk = {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
};

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: RsaSigningJwk;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  readonly kid: string;
  /** Where the key came from: a file path, or `memory`. */
  readonly origin: string;
}

export interface SigningKeyProps {
  /** Directory holding `signing-key.pem`; created (mode 0700) if missing. */
  readonly dataDir?: string;
  /** An existing PKCS#8 or PKCS#1 PEM RSA private key (≥ 2048 bits); takes precedence over `dataDir`. */
  readonly signingKeyFile?: string;
}

export async function loadSigningKey(props: SigningKeyProps = {}): Promise<SigningKey> {
  if (props.signingKeyFile) return fromPem(await readKeyFile(props.signingKeyFile), props.signingKeyFile);
  if (!props.dataDir) return fromPrivateKey(await generateRsaKey(), 'memory');
  await mkdir(props.dataDir, { recursive: true, mode: 0o700 });
  const path = join(props.dataDir, signingKeyFileName);
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) return fromPem(existing, path);
  const privateKey = await generateRsaKey();
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    // `wx`: never overwrite; if another process created the key meanwhile, use theirs.
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return fromPem(await readFile(path, 'utf8'), path);
    throw error;
  }
  return fromPrivateKey(privateKey, path);
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
export function rsaJwkThumbprint(jwk: { readonly e: string; readonly n: string }): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError([`signing key file ${path} cannot be read: ${(error as Error).message}`]);
  }
}

async function generateRsaKey(): Promise<KeyObject> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: minimumModulusBits });
  return privateKey;
}

function fromPem(pem: string, path: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new ConfigurationError([`${path} must hold a PEM private key: ${(error as Error).message}`]);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (privateKey.asymmetricKeyType !== 'rsa' || bits < minimumModulusBits) {
    throw new ConfigurationError([
      `${path} must hold an RSA key of at least ${minimumModulusBits} bits for RS256, got ${privateKey.asymmetricKeyType} ${bits || ''}`.trim(),
    ]);
  }
  return fromPrivateKey(privateKey, path);
}

function fromPrivateKey(privateKey: KeyObject, origin: string): SigningKey {
  const { n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string')
    throw new Error('RSA public key exported without n or e');
  const kid = rsaJwkThumbprint({ n, e });
  return { privateKey, kid, origin, publicJwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' } };
}
