import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambdas/core/errors.ts';
import { loadSigningKey, rsaJwkThumbprint } from '../../../local/identity/signing-key.ts';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-key-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('loadSigningKey', () => {
  it('computes the RFC 7638 thumbprint of the RFC example key', () => {
    // Prepare: RFC 7638 §3.1
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';

    // Act
    const thumbprint = rsaJwkThumbprint({ n, e: 'AQAB' });

    // Assess
    expect(thumbprint).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('creates a PKCS#8 key file readable only by its owner, and reuses it', async () => {
    // Act
    const first = await loadSigningKey({ dataDir });
    const second = await loadSigningKey({ dataDir });

    // Assess
    const path = join(dataDir, 'signing-key.pem');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk).toEqual(first.publicJwk);
    expect(first.kid).toBe(rsaJwkThumbprint(first.publicJwk));
    expect(first.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: first.kid });
  });

  it('creates the data directory when it does not exist', async () => {
    // Prepare
    const nested = join(dataDir, 'a', 'b');

    // Act
    const key = await loadSigningKey({ dataDir: nested });

    // Assess
    expect(key.origin).toBe(join(nested, 'signing-key.pem'));
  });

  it('generates a fresh key in memory without a data directory', async () => {
    // Act
    const [first, second] = await Promise.all([loadSigningKey(), loadSigningKey()]);

    // Assess
    expect(first.origin).toBe('memory');
    expect(first.kid).not.toBe(second.kid);
  });

  it('uses an explicit PEM file in preference to the data directory', async () => {
    // Prepare
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(dataDir, 'my-key.pem');
    await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs1' }));

    // Act
    const key = await loadSigningKey({ signingKeyFile: file, dataDir });

    // Assess
    expect(key.origin).toBe(file);
    expect(key.publicJwk.n).toBe(privateKey.export({ format: 'jwk' }).n);
  });

  it.each([
    ['a missing file', async () => join(dataDir, 'absent.pem'), /cannot be read/],
    [
      'a file that is not PEM',
      async () => writeTo('garbage.pem', 'not a key'),
      /must hold a PEM private key/,
    ],
    [
      'an EC key',
      async () =>
        writeTo(
          'ec.pem',
          generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
        ),
      /must hold an RSA key/,
    ],
    [
      'a 1024-bit RSA key',
      async () =>
        writeTo(
          'small.pem',
          generateKeyPairSync('rsa', { modulusLength: 1024 })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
        ),
      /at least 2048 bits/,
    ],
  ])('refuses %s', async (_case, makeFile, message) => {
    // Prepare
    const file = await makeFile();

    // Act
    const loading = loadSigningKey({ signingKeyFile: file });

    // Assess
    await expect(loading).rejects.toBeInstanceOf(ConfigurationError);
    await expect(loading).rejects.toThrow(message);
  });
});

async function writeTo(name: string, contents: string): Promise<string> {
  const file = join(dataDir, name);
  await writeFile(file, contents);
  return file;
}
