import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketAuthorizerEvent } from '../../../local/gateway/events.ts';
import { allowGoodToken, type FakeGateway, goodToken, startFakeGateway } from '../support/fake-gateway.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { openWebSocket } from '../support/test-client.ts';

const allowAll = (context: Record<string, unknown> = {}) =>
  recordingFunction('authorizer', (event) => ({
    principalId: 'p',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context,
  }));

describe('WebSocket gateway handshake', () => {
  let fake: FakeGateway | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  it.each([
    ['no query string', ''],
    ['an empty token', '?token='],
    ['another parameter only', '?other=x'],
  ])(
    'answers 401 without calling the authorizer when the identity source is missing (%s)',
    async (_name, query) => {
      // Prepare
      const authorizer = allowGoodToken();
      const connect = recordingFunction('connect');
      fake = await startFakeGateway({ $connect: connect }, authorizer);

      // Act
      const handshake = await openWebSocket(`${fake.gateway.webSocketUrl}${query}`);

      // Assess
      expect(handshake).toMatchObject({ kind: 'refused', status: 401 });
      expect(authorizer.events).toHaveLength(0);
      expect(connect.events).toHaveLength(0);
      expect(fake.gateway.connections()).toHaveLength(0);
    },
  );

  it('checks every configured identity source (they are ANDed)', async () => {
    // Prepare
    const authorizer = allowAll();
    fake = await startFakeGateway({}, authorizer, {
      identitySources: ['route.request.querystring.token', 'route.request.header.X-Client'],
    });

    // Act
    const withoutHeader = await openWebSocket(`${fake.gateway.webSocketUrl}?token=t`);
    const withBoth = await openWebSocket(`${fake.gateway.webSocketUrl}?token=t`, {
      headers: { 'x-client': 'test' },
    });

    // Assess
    expect(withoutHeader).toMatchObject({ kind: 'refused', status: 401 });
    expect(withBoth.kind).toBe('open');
    expect(authorizer.events).toHaveLength(1);
    if (withBoth.kind === 'open') withBoth.client.close();
  });

  it('refuses identity-source syntax that WebSocket APIs reject', async () => {
    // Act / Assess
    await expect(
      startFakeGateway({}, allowAll(), { identitySources: ['$request.header.Authorization'] }),
    ).rejects.toThrow(/identity source must match/);
  });

  it('sends the authorizer a REQUEST event whose methodArn ends in /$connect', async () => {
    // Prepare
    const authorizer = allowGoodToken();
    fake = await startFakeGateway({}, authorizer, { stage: 'dev', apiId: 'abc123', region: 'eu-west-1' });

    // Act
    const handshake = await openWebSocket(fake.url.replace(goodToken, `${goodToken}&room=a&room=b`), {
      headers: { 'X-Custom': 'Value' },
    });

    // Assess
    expect(handshake.kind).toBe('open');
    const event = authorizer.events[0] as unknown as WebSocketAuthorizerEvent;
    expect(event.type).toBe('REQUEST');
    expect(event.methodArn).toBe('arn:aws:execute-api:eu-west-1:000000000000:abc123/dev/$connect');
    expect(event.queryStringParameters).toEqual({ token: goodToken, room: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: [goodToken], room: ['a', 'b'] });
    expect(event.headers['X-Custom']).toBe('Value');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['Value']);
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      stage: 'dev',
      apiId: 'abc123',
      messageDirection: 'IN',
      connectionId: expect.stringMatching(/^[A-Za-z0-9+/]{14}==?$/),
      identity: { sourceIp: '127.0.0.1' },
    });
    if (handshake.kind === 'open') handshake.client.close();
  });

  it.each([
    [
      'throws Unauthorized',
      () => {
        throw new Error('Unauthorized');
      },
      401,
    ],
    [
      'throws anything else',
      () => {
        throw new Error('boom');
      },
      500,
    ],
    ['returns nothing', () => undefined, 500],
    [
      'returns no principalId',
      (event: Record<string, unknown>) => ({
        policyDocument: {
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
      }),
      500,
    ],
    [
      'returns an object in its context',
      (event: Record<string, unknown>) => ({
        principalId: 'p',
        policyDocument: {
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
        context: { nested: { a: 1 } },
      }),
      500,
    ],
    [
      'denies explicitly',
      (event: Record<string, unknown>) => ({
        principalId: 'p',
        policyDocument: {
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }],
        },
      }),
      403,
    ],
    [
      'allows another resource only',
      () => ({
        principalId: 'p',
        policyDocument: {
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: 'arn:aws:execute-api:us-east-1:000000000000:other/local/$connect',
            },
          ],
        },
      }),
      403,
    ],
  ])('answers the status API Gateway would when the authorizer %s', async (_name, behaviour, status) => {
    // Prepare
    const connect = recordingFunction('connect');
    fake = await startFakeGateway(
      { $connect: connect },
      recordingFunction('authorizer', behaviour as (event: Record<string, unknown>) => unknown),
    );

    // Act
    const handshake = await openWebSocket(fake.url);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status });
    expect(connect.events).toHaveLength(0);
  });

  it('allows with a wildcard resource', async () => {
    // Prepare
    const authorizer = recordingFunction('authorizer', () => ({
      principalId: 'p',
      policyDocument: {
        Statement: [
          { Action: 'execute-api:*', Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:local/*' },
        ],
      },
    }));
    fake = await startFakeGateway({}, authorizer);

    // Act
    const handshake = await openWebSocket(fake.url);

    // Assess
    expect(handshake.kind).toBe('open');
    if (handshake.kind === 'open') handshake.client.close();
  });

  it('passes a non-2xx $connect status and body through to the client', async () => {
    // Prepare
    fake = await startFakeGateway({
      $connect: recordingFunction('connect', () => ({ statusCode: 400, body: 'Unsupported subprotocol' })),
    });

    // Act
    const handshake = await openWebSocket(fake.url);

    // Assess
    expect(handshake).toEqual({ kind: 'refused', status: 400, body: 'Unsupported subprotocol' });
    expect(fake.gateway.connections()).toHaveLength(0);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('crash');
      },
    ],
    ['returns no statusCode', () => ({ body: 'x' })],
  ])('answers 502 when $connect %s', async (_name, behaviour) => {
    // Prepare
    fake = await startFakeGateway({ $connect: recordingFunction('connect', behaviour) });

    // Act
    const handshake = await openWebSocket(fake.url);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 502 });
  });

  it('answers 502 when $connect outlives its timeout', async () => {
    // Prepare
    fake = await startFakeGateway({
      $connect: recordingFunction('connect', () => new Promise(() => {}), 50),
    });

    // Act
    const handshake = await openWebSocket(fake.url);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 502 });
  });

  it('echoes the Sec-WebSocket-Protocol that $connect returns', async () => {
    // Prepare
    const connect = recordingFunction('connect', () => ({
      statusCode: 200,
      headers: { 'sec-websocket-protocol': 'parley.v1' },
    }));
    fake = await startFakeGateway({ $connect: connect });

    // Act
    const handshake = await openWebSocket(fake.url, { protocols: ['parley.v1', 'some.token'] });

    // Assess
    expect(handshake.kind).toBe('open');
    if (handshake.kind !== 'open') return;
    expect(handshake.client.protocol).toBe('parley.v1');
    const event = connect.events[0] as { headers: Record<string, string> };
    expect(event.headers['Sec-WebSocket-Protocol']).toBe('parley.v1,some.token'); // as ws sends it
    handshake.client.close();
  });

  it('lets the client fail the handshake when it offered subprotocols and $connect chose none', async () => {
    // Prepare
    fake = await startFakeGateway({ $connect: recordingFunction('connect', () => ({ statusCode: 200 })) });

    // Act
    const handshake = await openWebSocket(fake.url, { protocols: ['parley.v1'] });

    // Assess
    expect(handshake.kind).toBe('failed');
    if (handshake.kind === 'failed') expect(handshake.error.message).toMatch(/Server sent no subprotocol/);
  });

  it('does not pick a subprotocol by itself when there is no $connect route', async () => {
    // Prepare
    fake = await startFakeGateway({});

    // Act
    const handshake = await openWebSocket(fake.url, { protocols: ['parley.v1'] });

    // Assess
    expect(handshake.kind).toBe('failed');
  });

  it('answers 403 for an upgrade outside the stage path', async () => {
    // Prepare
    fake = await startFakeGateway({});

    // Act
    const handshake = await openWebSocket(fake.url.replace('/local?', '/other?'));

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 403 });
  });

  it('answers 503 until integrations are configured', async () => {
    // Prepare
    const { startWebSocketGateway } = await import('../../../local/gateway/web-socket-gateway.ts');
    const gateway = await startWebSocketGateway();

    // Act
    const handshake = await openWebSocket(`${gateway.webSocketUrl}?token=x`);
    await gateway.stop();

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 503 });
  });
});
