import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookieToken, extractCredential, subprotocolToken } from '../../lambdas/core/credential-sources.ts';

/** RFC 6265 cookie-octets (what a cookie value may hold unquoted). */
const cookieOctet = fc.constantFrom(
  ...Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).filter(
    (char) => !'",;\\'.includes(char),
  ),
);
const cookieValue = fc.string({ unit: cookieOctet, minLength: 1, maxLength: 80 });
const cookieName = fc
  .string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_-0123456789'.split('')),
    minLength: 1,
    maxLength: 16,
  })
  .filter((name) => name !== 'parley_token');
const otherCookies = fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 6 });
/** A JWT-shaped value: base64url segments joined by dots, valid as a subprotocol token. */
const jwtLike = fc
  .array(fc.base64String({ minLength: 4, maxLength: 60 }), { minLength: 3, maxLength: 3 })
  .map((parts) =>
    parts.map((part) => part.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')).join('.'),
  )
  .filter((value) => !value.split('.').includes(''));

describe('cookieToken properties', () => {
  it('finds the parley_token value wherever it sits among other cookies, quoted or not', () => {
    fc.assert(
      fc.property(otherCookies, otherCookies, cookieValue, fc.boolean(), (before, after, token, quoted) => {
        // Prepare
        const pairs = [...before, ['parley_token', quoted ? `"${token}"` : token] as const, ...after];
        const header = pairs.map(([name, value]) => `${name}=${value}`).join('; ');

        // Act
        const credential = cookieToken()({ headers: { Cookie: header } });

        // Assess
        expect(credential).toEqual({ kind: 'token', token, source: 'cookie' });
      }),
    );
  });

  it('never finds a credential in cookies with other names', () => {
    fc.assert(
      fc.property(otherCookies, (pairs) => {
        // Act
        const credential = cookieToken()({
          headers: { Cookie: pairs.map(([n, v]) => `${n}=${v}`).join('; ') },
        });

        // Assess
        expect(credential).toBeUndefined();
      }),
    );
  });
});

describe('subprotocolToken properties', () => {
  it('takes the one value that is not parley.v1, in either order, and never parley.v1 itself', () => {
    fc.assert(
      fc.property(jwtLike, fc.boolean(), (token, markerFirst) => {
        // Prepare
        const offered = markerFirst ? `parley.v1, ${token}` : `${token},parley.v1`;

        // Act
        const credential = extractCredential({ headers: { 'Sec-WebSocket-Protocol': offered } });

        // Assess
        expect(credential).toEqual({ kind: 'token', token, source: 'subprotocol' });
      }),
    );
  });

  it('finds nothing when parley.v1 is not offered', () => {
    fc.assert(
      fc.property(fc.array(jwtLike, { minLength: 1, maxLength: 3 }), (values) => {
        // Act
        const credential = subprotocolToken()({ headers: { 'Sec-WebSocket-Protocol': values.join(', ') } });

        // Assess
        expect(credential).toBeUndefined();
      }),
    );
  });
});
