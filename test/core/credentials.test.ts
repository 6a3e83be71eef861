import { describe, expect, it } from 'vitest';
import { parseLoginRequest, parseRefreshRequest } from '../../lambdas/core/credentials.ts';
import { maxFormBodyBytes } from '../../lambdas/core/form-body.ts';
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
const credentials = { username: 'alice', password: 'pa ss:wörd&=;"\r\n' };

describe('parseLoginRequest', () => {
  it.each<[string, () => Promise<HttpBody> | HttpBody]>([
    ['JSON', () => jsonBody(credentials)],
    [
      'JSON with a charset',
      () => ({ ...jsonBody(credentials), contentType: 'application/json; charset=UTF-8' }),
    ],
    [
      'JSON sent as text/plain by fetch()',
      () => ({ ...jsonBody(credentials), contentType: 'text/plain;charset=UTF-8' }),
    ],
    ['JSON without a content type', () => ({ body: JSON.stringify(credentials) })],
    ['a URL-encoded form', () => urlEncodedBody(credentials)],
    ['multipart/form-data from FormData', () => multipartBody(credentials)],
    ['base64 JSON', () => base64Encoded(jsonBody(credentials))],
    ['a base64 URL-encoded form', () => base64Encoded(urlEncodedBody(credentials))],
    ['base64 multipart/form-data', async () => base64Encoded(await multipartBody(credentials))],
  ])('reads username and password from %s', async (_kind, makeBody) => {
    // Prepare
    const body = await makeBody();

    // Act
    const result = await parseLoginRequest(request(body));

    // Assess
    expect(result).toEqual({ success: true, data: credentials });
  });

  it('ignores fields it does not need, such as a submit button', async () => {
    // Prepare
    const body = await multipartBody([...Object.entries(credentials), ['submit', 'Log in']]);

    // Act
    const result = await parseLoginRequest(request(body));

    // Assess
    expect(result).toEqual({ success: true, data: credentials });
  });

  it('reads a hand-written multipart body with a quoted boundary and part content types', async () => {
    // Prepare
    const body = [
      '--b:1',
      'Content-Disposition: form-data; name="username"',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'alice',
      '--b:1',
      'content-disposition: form-data; name="password"',
      '',
      'line1\r\nline2',
      '--b:1--',
      '',
    ].join('\r\n');

    // Act
    const result = await parseLoginRequest({ body, contentType: 'multipart/form-data; boundary="b:1"' });

    // Assess
    expect(result).toEqual({ success: true, data: { username: 'alice', password: 'line1\r\nline2' } });
  });

  it('refuses a multipart body the platform parser does not read, such as one with a preamble', async () => {
    // Prepare
    const body = [
      'preamble',
      '--b1',
      'Content-Disposition: form-data; name="username"',
      '',
      'alice',
      '--b1--',
    ].join('\r\n');

    // Act
    const result = await parseLoginRequest({ body, contentType: 'multipart/form-data; boundary=b1' });

    // Assess
    expect(result).toEqual({
      success: false,
      error: { kind: 'malformed', message: expect.stringMatching(/does not parse.*no preamble/) },
    });
  });

  it.each<[string, () => Promise<HttpBody> | HttpBody, number | string, RegExp]>([
    ['an empty body', () => ({ body: '', contentType: 'application/json' }), 'malformed', /body is empty/],
    ['invalid JSON', () => jsonBody('{"username":'), 'malformed', /not valid JSON/],
    ['a JSON array', () => jsonBody([credentials]), 'malformed', /must be a JSON object, got an array/],
    ['a missing username', () => jsonBody({ password: 'x' }), 'invalid-field', /^username is required$/],
    ['a missing password', () => jsonBody({ username: 'alice' }), 'invalid-field', /^password is required$/],
    [
      'an empty password',
      () => urlEncodedBody({ username: 'alice', password: '' }),
      'invalid-field',
      /^password is required$/,
    ],
    [
      'a numeric password',
      () => jsonBody({ username: 'alice', password: 1234 }),
      'invalid-field',
      /password must be a string, got number/,
    ],
    [
      'a username with a space',
      () => jsonBody({ username: 'al ice', password: 'x' }),
      'invalid-field',
      /no spaces, got "al ice"/,
    ],
    [
      'a username given twice',
      () =>
        urlEncodedBody([
          ['username', 'a'],
          ['username', 'b'],
          ['password', 'x'],
        ]),
      'invalid-field',
      /username must be sent once, got 2 values/,
    ],
    [
      'an over-long password',
      () => jsonBody({ username: 'alice', password: 'p'.repeat(257) }),
      'invalid-field',
      /at most 256 characters/,
    ],
    [
      'XML',
      () => ({ body: '<login/>', contentType: 'application/xml' }),
      'unsupported-media-type',
      /got "application\/xml"/,
    ],
    [
      'a non-UTF-8 charset',
      () => ({
        ...urlEncodedBody(credentials),
        contentType: 'application/x-www-form-urlencoded; charset=iso-8859-1',
      }),
      'unsupported-media-type',
      /charset must be utf-8/,
    ],
    [
      'invalid base64',
      () => ({ ...jsonBody(credentials), body: '%%%not base64', isBase64Encoded: true }),
      'malformed',
      /not valid base64/,
    ],
    [
      'a body over 16 KB',
      () => jsonBody({ ...credentials, padding: 'x'.repeat(maxFormBodyBytes) }),
      'too-large',
      /at most 16384 bytes/,
    ],
    [
      'a base64 body over 16 KB',
      () => base64Encoded(jsonBody({ ...credentials, padding: 'x'.repeat(maxFormBodyBytes) })),
      'too-large',
      /at most 16384 bytes/,
    ],
    [
      'multipart without a boundary',
      () => ({ body: 'x', contentType: 'multipart/form-data' }),
      'malformed',
      /needs a boundary/,
    ],
    [
      'multipart without the closing boundary',
      () => ({
        body: '--xyz\r\ncontent-disposition: form-data; name="username"\r\n\r\nalice\r\n',
        contentType: 'multipart/form-data; boundary=xyz',
      }),
      'malformed',
      /does not parse as browsers and curl send it/,
    ],
    [
      'multipart with a file',
      async () => {
        const form = new FormData();
        form.append('username', 'alice');
        form.append('password', new Blob(['secret']), 'password.txt');
        const req = new Request('http://localhost/login', { method: 'POST', body: form });
        return { body: await req.text(), contentType: req.headers.get('content-type') ?? '' };
      },
      'invalid-field',
      /password must be a text field, not a file upload/,
    ],
  ])('refuses %s', async (_case, makeBody, kind, message) => {
    // Prepare
    const body = await makeBody();

    // Act
    const result = await parseLoginRequest(request(body));

    // Assess
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.kind).toBe(kind);
    expect(result.error.message).toMatch(message);
  });

  it('never repeats the password in an error message', async () => {
    // Prepare
    const password = 'hunter2-very-secret';

    // Act
    const results = await Promise.all([
      parseLoginRequest(request(jsonBody({ username: 'bad name', password }))),
      parseLoginRequest(request(jsonBody({ username: 'alice', password: `${password}${'x'.repeat(300)}` }))),
      parseLoginRequest(request(jsonBody({ username: password.repeat(10), password }))),
    ]);

    // Assess
    for (const result of results) {
      expect(result.success).toBe(false);
      expect(JSON.stringify(result)).not.toContain(password);
    }
  });
});

describe('parseRefreshRequest', () => {
  const refreshToken = 'eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.abc-def_ghi.jkl';

  it.each<[string, () => Promise<HttpBody> | HttpBody]>([
    ['JSON', () => jsonBody({ refreshToken })],
    ['a URL-encoded form', () => urlEncodedBody({ refreshToken })],
    ['multipart/form-data', () => multipartBody({ refreshToken })],
    ['base64 JSON', () => base64Encoded(jsonBody({ refreshToken }))],
  ])('reads the refresh token from %s', async (_kind, makeBody) => {
    // Act
    const result = await parseRefreshRequest(request(await makeBody()));

    // Assess
    expect(result).toEqual({ success: true, data: { refreshToken } });
  });

  it.each([
    ['a missing token', {}, /^refreshToken is required$/],
    ['a token with spaces', { refreshToken: 'a b' }, /visible ASCII/],
    ['a numeric token', { refreshToken: 42 }, /must be a string, got number/],
  ])('refuses %s', async (_case, body, message) => {
    // Act
    const result = await parseRefreshRequest(request(jsonBody(body)));

    // Assess
    expect(result).toEqual({
      success: false,
      error: { kind: 'invalid-field', message: expect.stringMatching(message) },
    });
  });
});
