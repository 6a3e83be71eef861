import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLoginRequest, parseRefreshRequest, usernamePattern } from '../../lambdas/core/credentials.ts';
import {
  base64Encoded,
  type HttpBody,
  jsonBody,
  multipartBody,
  urlEncodedBody,
} from '../fixtures/http-events.ts';

const request = (body: HttpBody) => ({
  body: body.body,
  isBase64Encoded: body.isBase64Encoded ?? false,
  contentType: body.contentType,
});

const username = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((value) => usernamePattern.test(value));
// The HTML multipart encoder normalises line breaks to CRLF, so CR and LF are left out of the round trip.
const password = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 64 })
  .filter((value) => !/[\r\n]/.test(value));

describe('parseLoginRequest properties', () => {
  it('round-trips any valid credentials through every encoding', async () => {
    await fc.assert(
      fc.asyncProperty(username, password, fc.boolean(), async (user, pass, encode) => {
        // Prepare
        const fields = { username: user, password: pass };
        const bodies = [jsonBody(fields), urlEncodedBody(fields), await multipartBody(fields)];

        for (const body of bodies) {
          // Act
          const result = await parseLoginRequest(request(encode ? base64Encoded(body) : body));

          // Assess
          expect(result).toEqual({ success: true, data: fields });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers every body with a result and never throws', async () => {
    const contentType = fc.constantFrom(
      undefined,
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'multipart/form-data; boundary="a b"',
      'multipart/form-data',
      'image/png',
    );
    const body = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      fc
        .array(
          fc.constantFrom(
            '--xyz',
            '\r\n',
            'content-disposition: form-data; name="username"',
            'alice',
            '--',
            ' ',
          ),
        )
        .map((parts) => parts.join('')),
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (text, type, isBase64Encoded) => {
        // Act
        const login = await parseLoginRequest({ body: text, contentType: type, isBase64Encoded });
        const refresh = await parseRefreshRequest({ body: text, contentType: type, isBase64Encoded });

        // Assess
        for (const result of [login, refresh]) {
          if (!result.success) {
            expect(['too-large', 'unsupported-media-type', 'malformed', 'invalid-field']).toContain(
              result.error.kind,
            );
            expect(result.error.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
