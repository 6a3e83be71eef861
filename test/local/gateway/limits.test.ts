import { afterEach, describe, expect, it } from 'vitest';
import { type FakeGateway, startFakeGateway } from '../support/fake-gateway.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { connectClient } from '../support/test-client.ts';

type ProxyEvent = {
  body?: string;
  requestContext: { disconnectStatusCode?: number; disconnectReason?: string };
};

describe('WebSocket gateway limits', () => {
  let fake: FakeGateway | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  const start = async (limits: Record<string, number> = {}) => {
    const routes = {
      $disconnect: recordingFunction<ProxyEvent>('disconnect'),
      $default: recordingFunction<ProxyEvent>('default'),
    };
    fake = await startFakeGateway(routes, undefined, { limits });
    return { routes, client: await connectClient(fake.url) };
  };

  it('closes with 1009 when a client frame exceeds 32 KB, without routing it', async () => {
    // Prepare
    const { routes, client } = await start();

    // Act
    client.send('x'.repeat(32 * 1024 + 1));

    // Assess
    expect((await client.closed()).code).toBe(1009);
    const event = await routes.$disconnect.waitForEvent();
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(routes.$default.events).toHaveLength(0);
  });

  it('accepts a frame of exactly 32 KB', async () => {
    // Prepare
    const { routes, client } = await start();
    const body = 'y'.repeat(32 * 1024);

    // Act
    client.send(body);

    // Assess
    expect((await routes.$default.waitForEvent()).body).toBe(body);
    client.close();
  });

  it('accepts a message split into frames within both limits', async () => {
    // Prepare
    const { routes, client } = await start();
    const part = 'z'.repeat(30 * 1024);

    // Act
    client.socket.send(part, { fin: false });
    client.socket.send(part, { fin: true });

    // Assess
    expect((await routes.$default.waitForEvent()).body).toBe(part + part);
    client.close();
  });

  it('closes with 1009 when a fragmented message exceeds 128 KB', async () => {
    // Prepare
    const { routes, client } = await start();
    const part = 'w'.repeat(30 * 1024);

    // Act
    for (let i = 0; i < 4; i++) client.socket.send(part, { fin: false });
    client.socket.send(part, { fin: true });

    // Assess
    expect((await client.closed()).code).toBe(1009);
    expect((await routes.$disconnect.waitForEvent()).requestContext.disconnectStatusCode).toBe(1009);
    expect(routes.$default.events).toHaveLength(0);
  });

  it('closes an idle connection with 1001 and runs $disconnect', async () => {
    // Prepare
    const { routes, client } = await start({ idleTimeoutMs: 150 });

    // Act
    const closed = await client.closed(3_000);

    // Assess
    expect(closed).toEqual({ code: 1001, reason: 'Going away' });
    expect((await routes.$disconnect.waitForEvent()).requestContext).toMatchObject({
      disconnectStatusCode: 1001,
    });
  });

  it('keeps a connection open while the client keeps sending', async () => {
    // Prepare
    const { routes, client } = await start({ idleTimeoutMs: 300 });

    // Act: five messages 100 ms apart span 500 ms, beyond the 300 ms idle timeout.
    for (let i = 0; i < 5; i++) {
      client.send(`ping ${i}`);
      await routes.$default.waitForEvent((event) => event.body === `ping ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Assess
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    client.close();
  });

  it('closes a connection at the maximum duration however active it is', async () => {
    // Prepare
    const { client } = await start({ maxConnectionDurationMs: 200 });

    // Act
    client.send('activity');
    const closed = await client.closed(3_000);

    // Assess
    expect(closed.code).toBe(1001);
  });
});
