import { describe, expect, it } from 'vitest';
import {
  type ConnectRequest,
  cookieToken,
  cookieValues,
  extractCredential,
  headerValues,
  queryStringTicket,
  queryStringToken,
  subprotocolToken,
} from '../../lambdas/core/credential-sources.ts';

const query = (parameters: Record<string, string>): ConnectRequest => ({
  queryStringParameters: parameters,
  multiValueQueryStringParameters: Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => [name, [value]]),
  ),
});

describe('extractCredential', () => {
  it('finds nothing in an empty request', () => {
    // Act
    const credential = extractCredential({});

    // Assess
    expect(credential).toEqual({ kind: 'missing' });
  });

  it.each<[string, ConnectRequest, unknown]>([
    [
      'a ticket over every token',
      {
        ...query({ ticket: 'T', token: 'Q' }),
        headers: { 'Sec-WebSocket-Protocol': 'parley.v1, S', Cookie: 'parley_token=C' },
      },
      { kind: 'ticket', ticket: 'T', source: 'ticket' },
    ],
    [
      'a subprotocol token over a query token and a cookie',
      {
        ...query({ token: 'Q' }),
        headers: { 'Sec-WebSocket-Protocol': 'parley.v1, S', Cookie: 'parley_token=C' },
      },
      { kind: 'token', token: 'S', source: 'subprotocol' },
    ],
    [
      'a query token over a cookie',
      { ...query({ token: 'Q' }), headers: { Cookie: 'parley_token=C' } },
      { kind: 'token', token: 'Q', source: 'query' },
    ],
    [
      'a cookie when nothing explicit is present',
      { headers: { Cookie: 'parley_token=C' } },
      { kind: 'token', token: 'C', source: 'cookie' },
    ],
  ])('prefers %s (explicit beats ambient)', (_case, request, expected) => {
    // Act
    const credential = extractCredential(request);

    // Assess
    expect(credential).toEqual(expected);
  });

  it('treats an empty ticket as absent and falls through to the next source', () => {
    // Act
    const credential = extractCredential(query({ ticket: '', token: 'Q' }));

    // Assess
    expect(credential).toEqual({ kind: 'token', token: 'Q', source: 'query' });
  });
});

describe('queryStringToken and queryStringTicket', () => {
  it('refuses two different values of one parameter as ambiguous', () => {
    // Prepare
    const request: ConnectRequest = {
      queryStringParameters: { token: 'b', ticket: 'y' },
      multiValueQueryStringParameters: { token: ['a', 'b'], ticket: ['x', 'y'] },
    };

    // Act & Assess
    expect(queryStringToken()(request)).toEqual({ kind: 'ambiguous', source: 'query' });
    expect(queryStringTicket()(request)).toEqual({ kind: 'ambiguous', source: 'ticket' });
  });

  it('accepts the same value repeated', () => {
    // Act
    const credential = queryStringToken()({
      queryStringParameters: { token: 'a' },
      multiValueQueryStringParameters: { token: ['a', 'a'] },
    });

    // Assess
    expect(credential).toEqual({ kind: 'token', token: 'a', source: 'query' });
  });
});

describe('subprotocolToken', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['the value after parley.v1', { 'Sec-WebSocket-Protocol': 'parley.v1, eyJ.a.b' }, 'eyJ.a.b'],
    ['the value before parley.v1', { 'sec-websocket-protocol': 'eyJ.a.b,parley.v1' }, 'eyJ.a.b'],
    ['any header-name casing', { 'SEC-WEBSOCKET-PROTOCOL': 'parley.v1 ,  eyJ.a.b ' }, 'eyJ.a.b'],
  ])('reads %s', (_case, headers, token) => {
    // Act
    const credential = subprotocolToken()({ headers });

    // Assess
    expect(credential).toEqual({ kind: 'token', token, source: 'subprotocol' });
  });

  it.each<[string, Record<string, string>]>([
    ['a lone value without parley.v1', { 'Sec-WebSocket-Protocol': 'eyJ.a.b' }],
    ['two values without parley.v1', { 'Sec-WebSocket-Protocol': 'chat, eyJ.a.b' }],
    ['parley.v1 alone', { 'Sec-WebSocket-Protocol': 'parley.v1' }],
    ['parley.v1 with an empty second value', { 'Sec-WebSocket-Protocol': 'parley.v1, ' }],
    ['no header', {}],
  ])('finds no credential in %s', (_case, headers) => {
    // Act
    const credential = subprotocolToken()({ headers });

    // Assess
    expect(credential).toBeUndefined();
  });

  it('refuses two candidate tokens as ambiguous', () => {
    // Act
    const credential = subprotocolToken()({ headers: { 'Sec-WebSocket-Protocol': 'parley.v1, one, two' } });

    // Assess
    expect(credential).toEqual({ kind: 'ambiguous', source: 'subprotocol' });
  });

  it('reads the header when it was sent twice (multiValueHeaders)', () => {
    // Act
    const credential = subprotocolToken()({
      multiValueHeaders: { 'Sec-WebSocket-Protocol': ['parley.v1', 'eyJ.a.b'] },
    });

    // Assess
    expect(credential).toEqual({ kind: 'token', token: 'eyJ.a.b', source: 'subprotocol' });
  });
});

describe('cookieToken', () => {
  it.each<[string, string, string]>([
    ['the only cookie', 'parley_token=abc.def.ghi', 'abc.def.ghi'],
    ['one of several', 'theme=dark; parley_token=abc.def.ghi; lang=en', 'abc.def.ghi'],
    ['a quoted value', 'parley_token="abc.def.ghi"', 'abc.def.ghi'],
    ['surrounding whitespace', '  a=1 ;parley_token =  abc.def.ghi  ; b=2', 'abc.def.ghi'],
    ['a value containing =', 'parley_token=abc=def', 'abc=def'],
  ])('reads %s', (_case, header, token) => {
    // Act
    const credential = cookieToken()({ headers: { Cookie: header } });

    // Assess
    expect(credential).toEqual({ kind: 'token', token, source: 'cookie' });
  });

  it.each<[string, Record<string, string>]>([
    ['a cookie with a similar name', { cookie: 'xparley_token=abc; parley_token_old=def' }],
    ['a cookie of another case', { cookie: 'PARLEY_TOKEN=abc' }],
    ['an empty value', { cookie: 'parley_token=' }],
    ['an empty quoted value', { cookie: 'parley_token=""' }],
    ['a pair without =', { cookie: 'parley_token' }],
    ['no Cookie header', {}],
  ])('finds nothing in %s', (_case, headers) => {
    // Act
    const credential = cookieToken()({ headers });

    // Assess
    expect(credential).toBeUndefined();
  });

  it('refuses two different parley_token cookies (cookie tossing) as ambiguous', () => {
    // Act
    const credential = cookieToken()({ headers: { Cookie: 'parley_token=mine; parley_token=tossed' } });

    // Assess
    expect(credential).toEqual({ kind: 'ambiguous', source: 'cookie' });
  });

  it('reads cookies spread over several Cookie headers', () => {
    // Act
    const credential = cookieToken()({ multiValueHeaders: { cookie: ['a=1', 'parley_token=abc'] } });

    // Assess
    expect(credential).toEqual({ kind: 'token', token: 'abc', source: 'cookie' });
  });
});

describe('helpers', () => {
  it('collects every value of a header, whatever its casing and however it arrived', () => {
    // Act
    const values = headerValues(
      {
        headers: { ORIGIN: 'https://b.test' },
        multiValueHeaders: { origin: ['https://a.test', 'https://b.test'] },
      },
      'Origin',
    );

    // Assess
    expect(values).toEqual(['https://a.test', 'https://b.test']);
  });

  it('returns every value of a repeated cookie name', () => {
    // Act & Assess
    expect(cookieValues('a=1; a=2; b=3', 'a')).toEqual(['1', '2']);
  });
});
