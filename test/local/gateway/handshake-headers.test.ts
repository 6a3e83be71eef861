/**
 * What the emulator hands the authorizer and `$connect` from the handshake: the catalogue's identity
 * source, the headers the ways in rely on (Origin, Cookie, Sec-WebSocket-Protocol) in both `headers`
 * and `multiValueHeaders`, and `$connect` refusals passed through with their body.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { webSocketIdentitySources } from '../../../lambdas/functions.ts';
import type { WebSocketAuthorizerEvent, WebSocketProxyEvent } from '../../../local/gateway/events.ts';
import { type FakeGateway, startFakeGateway } from '../support/fake-gateway.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { openWebSocket } from '../support/test-client.ts';

const allowAll = () =>
  recordingFunction<WebSocketAuthorizerEvent>('authorizer', (event) => ({
    principalId: 'p',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
  }));

describe('WebSocket gateway handshake headers', () => {
  let fake: FakeGateway | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  it('calls the authorizer for a handshake without any token under the catalogue’s identity source', async () => {
    // Prepare
    const authorizer = recordingFunction<WebSocketAuthorizerEvent>('authorizer', () => {
      throw new Error('Unauthorized');
    });
    fake = await startFakeGateway({}, authorizer, { identitySources: webSocketIdentitySources });

    // Act
    const handshake = await openWebSocket(fake.gateway.webSocketUrl);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 401 });
    expect(authorizer.events).toHaveLength(1);
    expect(authorizer.events[0]?.headers['Sec-WebSocket-Key']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('passes Origin, Cookie and Sec-WebSocket-Protocol to the authorizer and $connect', async () => {
    // Prepare
    const authorizer = allowAll();
    const connect = recordingFunction<WebSocketProxyEvent>('connect', () => ({
      statusCode: 200,
      headers: { 'Sec-WebSocket-Protocol': 'parley.v1' },
    }));
    fake = await startFakeGateway({ $connect: connect }, authorizer, {
      identitySources: webSocketIdentitySources,
    });

    // Act
    const handshake = await openWebSocket(fake.gateway.webSocketUrl, {
      protocols: ['parley.v1', 'a.b.c'],
      headers: { Origin: 'http://app.parley.test', Cookie: 'theme=dark; parley_token=x.y.z' },
    });

    // Assess
    expect(handshake.kind).toBe('open');
    const expected = {
      Origin: 'http://app.parley.test',
      Cookie: 'theme=dark; parley_token=x.y.z',
      'Sec-WebSocket-Protocol': 'parley.v1,a.b.c',
    };
    for (const event of [authorizer.events[0], connect.events[0]]) {
      expect(event?.headers).toMatchObject(expected);
      expect(event?.multiValueHeaders).toMatchObject(
        Object.fromEntries(Object.entries(expected).map(([name, value]) => [name, [value]])),
      );
    }
    if (handshake.kind === 'open') handshake.client.close();
  });

  it('keeps every occurrence of a repeated header in multiValueHeaders and the last in headers', async () => {
    // Prepare
    const authorizer = recordingFunction<WebSocketAuthorizerEvent>('authorizer', () => {
      throw new Error('Unauthorized');
    });
    fake = await startFakeGateway({}, authorizer, { identitySources: webSocketIdentitySources });
    const url = new URL(fake.gateway.webSocketUrl);

    // Act: Node's ws client cannot repeat a header, so send the upgrade by hand.
    const status = await new Promise<number>((resolve, reject) => {
      const upgrade = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: [
          ['Connection', 'Upgrade'],
          ['Upgrade', 'websocket'],
          ['Sec-WebSocket-Version', '13'],
          ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
          ['Cookie', 'parley_token=first'],
          ['Cookie', 'parley_token=second'],
        ].flat(),
      });
      upgrade.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      upgrade.on('error', reject);
      upgrade.end();
    });

    // Assess
    expect(status).toBe(401);
    const event = authorizer.events[0];
    expect(event?.multiValueHeaders.Cookie).toEqual(['parley_token=first', 'parley_token=second']);
    expect(event?.headers.Cookie).toBe('parley_token=second');
  });

  it('passes a 429 from $connect through with its JSON body', async () => {
    // Prepare
    const body = JSON.stringify({ message: 'Too many connections for this user (limit 5)' });
    fake = await startFakeGateway(
      { $connect: recordingFunction('connect', () => ({ statusCode: 429, body })) },
      allowAll(),
      { identitySources: webSocketIdentitySources },
    );

    // Act
    const handshake = await openWebSocket(fake.gateway.webSocketUrl);

    // Assess
    expect(handshake).toEqual({ kind: 'refused', status: 429, body });
    expect(fake.gateway.connections()).toHaveLength(0);
  });

  it('answers 403 when the authorizer denies, as for a refused origin', async () => {
    // Prepare
    const authorizer = recordingFunction<WebSocketAuthorizerEvent>('authorizer', (event) => ({
      principalId: 'p',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }],
      },
    }));
    const connect = recordingFunction('connect');
    fake = await startFakeGateway({ $connect: connect }, authorizer, {
      identitySources: webSocketIdentitySources,
    });

    // Act
    const handshake = await openWebSocket(fake.gateway.webSocketUrl, {
      headers: { Origin: 'https://evil.example' },
    });

    // Assess
    expect(handshake).toEqual({ kind: 'refused', status: 403, body: '{"message":"Forbidden"}' });
    expect(connect.events).toHaveLength(0);
  });
});
