import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketProxyEvent } from '../../../local/gateway/events.ts';
import { type FakeGateway, startFakeGateway } from '../support/fake-gateway.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { connectClient } from '../support/test-client.ts';

type ProxyEvent = WebSocketProxyEvent;

describe('WebSocket gateway routes', () => {
  let fake: FakeGateway | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  const routes = () => ({
    $connect: recordingFunction<ProxyEvent>('connect'),
    $disconnect: recordingFunction<ProxyEvent>('disconnect'),
    $default: recordingFunction<ProxyEvent>('default'),
    sendMessage: recordingFunction<ProxyEvent>('sendMessage'),
  });

  it.each([
    ['a known action', '{"action":"sendMessage","content":"hi"}', 'sendMessage'],
    ['an unknown action', '{"action":"dance"}', '$default'],
    ['JSON without action', '{"content":"hi"}', '$default'],
    ['a non-string action', '{"action":{"x":1}}', '$default'],
    ['plain text', 'Hello, server!', '$default'],
    ['malformed JSON', '{"action":"sendMessage"', '$default'],
    ['a reserved route key as action', '{"action":"$disconnect"}', '$default'],
  ])('selects the route on $request.body.action: %s', async (_name, body, expected) => {
    // Prepare
    const functions = routes();
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);

    // Act
    client.send(body);

    // Assess
    const target = expected === 'sendMessage' ? functions.sendMessage : functions.$default;
    const event = await target.waitForEvent();
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).toMatchObject({
      routeKey: expected,
      eventType: 'MESSAGE',
      messageId: expect.any(String),
    });
    client.close();
  });

  it('delivers binary frames base64-encoded to $default', async () => {
    // Prepare
    const functions = routes();
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);

    // Act
    client.send(Buffer.from([0, 1, 2, 255]));

    // Assess
    const event = await functions.$default.waitForEvent();
    expect(event).toMatchObject({ body: 'AAEC/w==', isBase64Encoded: true });
    client.close();
  });

  it('puts the stringified authorizer context and principalId in requestContext.authorizer on every route', async () => {
    // Prepare
    const functions = routes();
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);
    const expected = {
      principalId: 'user-1',
      userId: 'user-1',
      username: 'alice',
      level: '3',
      admin: 'false',
    };

    // Act
    client.send('{"action":"sendMessage"}');
    client.send('text');
    await functions.sendMessage.waitForEvent();
    await functions.$default.waitForEvent();
    client.close(1000);
    await functions.$disconnect.waitForEvent();

    // Assess
    for (const fn of [functions.$connect, functions.sendMessage, functions.$default, functions.$disconnect]) {
      expect(fn.events[0]?.requestContext.authorizer, fn.name).toMatchObject(expected);
    }
  });

  it('runs $disconnect with the client close code and reason', async () => {
    // Prepare
    const functions = routes();
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);
    const connectionId = functions.$connect.events[0]?.requestContext.connectionId;

    // Act
    client.close(4001, 'bye now');

    // Assess
    const event = await functions.$disconnect.waitForEvent();
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      connectionId,
      disconnectStatusCode: 4001,
      disconnectReason: 'bye now',
    });
    expect(fake.gateway.connections()).toHaveLength(0);
  });

  it('runs $disconnect with 1006 when the client vanishes without a close frame', async () => {
    // Prepare
    const functions = routes();
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);

    // Act
    client.socket.terminate();

    // Assess
    const event = await functions.$disconnect.waitForEvent();
    expect(event.requestContext.disconnectStatusCode).toBe(1006);
  });

  it('answers "Internal server error" to the client when a route function throws', async () => {
    // Prepare
    const functions = {
      ...routes(),
      sendMessage: recordingFunction<ProxyEvent>('sendMessage', () => {
        throw new Error('crash');
      }),
    };
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);

    // Act
    client.send('{"action":"sendMessage"}');

    // Assess
    const reply = await client.nextJson();
    const event = functions.sendMessage.events[0] as ProxyEvent;
    expect(reply).toEqual({
      message: 'Internal server error',
      connectionId: event.requestContext.connectionId,
      requestId: event.requestContext.requestId,
    });
    client.close();
  });

  it('answers "Forbidden" when no route matches and there is no $default', async () => {
    // Prepare
    const sendMessage = recordingFunction<ProxyEvent>('sendMessage');
    fake = await startFakeGateway({ sendMessage });
    const client = await connectClient(fake.url);

    // Act
    client.send('plain text');

    // Assess
    expect(await client.nextJson()).toMatchObject({ message: 'Forbidden' });
    expect(sendMessage.events).toHaveLength(0);
    client.close();
  });

  it('does not send the return value of a route function to the client', async () => {
    // Prepare
    const functions = {
      ...routes(),
      $default: recordingFunction<ProxyEvent>('default', () => ({ statusCode: 200, body: 'secret' })),
    };
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);

    // Act
    client.send('one');
    await functions.$default.waitForEvent();
    client.send('{"action":"nothing-here","x":1}');
    await functions.$default.waitForEvent((event) => event.body?.includes('nothing-here') ?? false);
    client.close();
    await client.closed();

    // Assess
    expect(client.received).toEqual([]);
  });

  it('closes connections with 1001 and runs $disconnect when the gateway stops', async () => {
    // Prepare
    const functions = routes();
    fake = await startFakeGateway(functions);
    const client = await connectClient(fake.url);

    // Act
    await fake.stop();
    fake = undefined;

    // Assess
    expect(await client.closed()).toMatchObject({ code: 1001 });
    expect(functions.$disconnect.events[0]?.requestContext.disconnectStatusCode).toBe(1001);
  });
});
