import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeGateway, startFakeGateway } from '../support/fake-gateway.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { connectClient, openWebSocket } from '../support/test-client.ts';

type ProxyEvent = {
  requestContext: { connectionId: string; disconnectStatusCode?: number; disconnectReason?: string };
};

describe('@connections management API', () => {
  let fake: FakeGateway | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  const start = async (limits = {}) => {
    const connect = recordingFunction<ProxyEvent>('connect');
    const disconnect = recordingFunction<ProxyEvent>('disconnect');
    fake = await startFakeGateway({ $connect: connect, $disconnect: disconnect }, undefined, { limits });
    const client = await connectClient(fake.url, { headers: { 'User-Agent': 'parley-test/1.0' } });
    const connectionId = connect.events[0]?.requestContext.connectionId as string;
    return { fake, client, connectionId, disconnect };
  };

  it('delivers a POST to the client as one text message', async () => {
    // Prepare
    const { fake, client, connectionId } = await start();

    // Act
    await fake.management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{"type":"hello"}') }),
    );

    // Assess
    expect(await client.nextMessage()).toEqual({ data: '{"type":"hello"}', isBinary: false });
    client.close();
  });

  it('splits a message larger than one frame into 32 KB frames the client reassembles', async () => {
    // Prepare
    const { fake, client, connectionId } = await start();
    const big = 'x'.repeat(100 * 1024);

    // Act
    await fake.management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(big) }),
    );

    // Assess
    expect((await client.nextMessage()).data).toBe(big);
    client.close();
  });

  it('answers PayloadTooLargeException (413) for a POST over 128 KB', async () => {
    // Prepare
    const { fake, client, connectionId } = await start();

    // Act
    const attempt = fake.management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.alloc(128 * 1024 + 1, 'a') }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PayloadTooLargeException);
    client.close();
  });

  it('answers LimitExceededException (429) past the account quota, and takes requests again once it refills', async () => {
    // Prepare
    const { fake, client, connectionId } = await start({ callbackRate: { perSecond: 5, burst: 2 } });
    const post = () =>
      // The fake's client makes one attempt: the test sees each answer the gateway gives.
      fake.management.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{}') }),
      );

    // Act
    await post();
    await post();
    const third = post();

    // Assess
    await expect(third).rejects.toBeInstanceOf(LimitExceededException);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(post()).resolves.toBeDefined();
    client.close();
  });

  it('answers GET with connectedAt, lastActiveAt and the caller identity', async () => {
    // Prepare
    const { fake, client, connectionId } = await start();
    const before = Date.now();

    // Act
    const info = await fake.management.send(new GetConnectionCommand({ ConnectionId: connectionId }));

    // Assess
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'parley-test/1.0' });
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.ConnectedAt?.getTime()).toBeLessThanOrEqual(before);
    expect(info.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt?.getTime() ?? 0);
    client.close();
  });

  it('closes the connection on DELETE and reports 1000 to $disconnect', async () => {
    // Prepare
    const { fake, client, connectionId, disconnect } = await start();

    // Act
    await fake.management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));

    // Assess
    expect((await client.closed()).code).toBe(1005); // a close frame without a status, as API Gateway sends
    const event = await disconnect.waitForEvent();
    expect(event.requestContext).toMatchObject({
      disconnectStatusCode: 1000,
      disconnectReason: 'Connection Closed Normally',
    });
  });

  it.each([
    ['POST', (id: string) => new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('x') })],
    ['GET', (id: string) => new GetConnectionCommand({ ConnectionId: id })],
    ['DELETE', (id: string) => new DeleteConnectionCommand({ ConnectionId: id })],
  ])('answers GoneException (410) to %s for an unknown connection id', async (_method, command) => {
    // Prepare
    const { fake, client } = await start();

    // Act
    const attempt = fake.management.send(command('AAAAAAAAAAAAAA==') as PostToConnectionCommand);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(GoneException);
    client.close();
  });

  it('answers GoneException for a connection that has closed', async () => {
    // Prepare
    const { fake, client, connectionId, disconnect } = await start();
    client.close();
    await disconnect.waitForEvent();

    // Act
    const attempt = fake.management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('x') }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(GoneException);
  });

  it('answers GoneException to a POST made while the connection is still in $connect', async () => {
    // Prepare
    let outcome: unknown;
    const connect = recordingFunction<ProxyEvent>('connect', async (event) => {
      outcome = await fake?.management
        .send(
          new PostToConnectionCommand({
            ConnectionId: event.requestContext.connectionId,
            Data: Buffer.from('too early'),
          }),
        )
        .then(
          () => 'delivered',
          (error: unknown) => error,
        );
      return { statusCode: 200 };
    });
    fake = await startFakeGateway({ $connect: connect });

    // Act
    const client = await connectClient(fake.url);

    // Assess
    expect(outcome).toBeInstanceOf(GoneException);
    expect(client.received).toEqual([]);
    client.close();
  });

  it('refuses unsigned requests with 403, as the SigV4-protected API does', async () => {
    // Prepare
    const { fake, client, connectionId } = await start();

    // Act
    const response = await fetch(
      `${fake.gateway.callbackUrl}/@connections/${encodeURIComponent(connectionId)}`,
      {
        method: 'POST',
        body: 'x',
      },
    );

    // Assess
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(client.received).toEqual([]);
    client.close();
  });

  it('leaves the connection registered only after the handshake completes', async () => {
    // Prepare
    let statesDuringConnect: string[] = [];
    const connect = recordingFunction('connect', () => {
      statesDuringConnect = fake?.gateway.connections().map((connection) => connection.state) ?? [];
      return { statusCode: 200 };
    });
    fake = await startFakeGateway({ $connect: connect });

    // Act
    const handshake = await openWebSocket(fake.url);

    // Assess
    expect(statesDuringConnect).toEqual(['connecting']);
    expect(fake.gateway.connections().map((connection) => connection.state)).toEqual(['open']);
    if (handshake.kind === 'open') handshake.client.close();
  });
});
