import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketProxyEvent } from '../../../local/gateway/events.ts';
import { type FakeGateway, startFakeGateway } from '../support/fake-gateway.ts';
import { recordingFunction } from '../support/recording-function.ts';
import { connectClient, type TestClient } from '../support/test-client.ts';

describe('WebSocket gateway stop', () => {
  let fake: FakeGateway | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  /** One after another: a client is open only once its `$connect` has run, so the gateway knows them in this order. */
  const connectInOrder = async (count: number, gateway: FakeGateway) => {
    const clients: TestClient[] = [];
    for (let i = 0; i < count; i++) clients.push(await connectClient(gateway.url));
    return clients;
  };

  it('sends the notice, then closes with 1001, to every connection', async () => {
    // Prepare
    const $connect = recordingFunction<WebSocketProxyEvent>('connect');
    const $disconnect = recordingFunction<WebSocketProxyEvent>('disconnect');
    fake = await startFakeGateway({ $connect, $disconnect });
    const clients = await connectInOrder(3, fake);

    // Act
    await fake.gateway.stop({ notice: Buffer.from('{"type":"closing","code":"SERVER_RESTART"}') });

    // Assess
    for (const client of clients) {
      expect(await client.closed()).toEqual({ code: 1001, reason: 'Going away' });
      expect(client.received).toEqual([
        { data: '{"type":"closing","code":"SERVER_RESTART"}', isBinary: false },
      ]);
    }
    expect($disconnect.events.map((event) => event.requestContext.disconnectStatusCode)).toEqual([
      1001, 1001, 1001,
    ]);
  });

  it("closes in waves, oldest first, each after the earlier waves' $disconnect has finished", async () => {
    // Prepare
    const openWhenDisconnecting: number[] = [];
    const $connect = recordingFunction<WebSocketProxyEvent>('connect');
    const $disconnect = recordingFunction<WebSocketProxyEvent>('disconnect', async () => {
      openWhenDisconnecting.push(
        fake?.gateway.connections().filter((connection) => connection.state === 'open').length ?? -1,
      );
      // A $disconnect that takes a while: a gateway that did not wait for it would close the rest meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { statusCode: 200 };
    });
    fake = await startFakeGateway({ $connect, $disconnect });
    const clients = await connectInOrder(4, fake);
    const ids = $connect.events.map((event) => event.requestContext.connectionId);

    // Act
    await fake.gateway.stop();

    // Assess
    // Waves of 1, 1 and 2: three others still open when the first leaves, two when the second leaves.
    expect(openWhenDisconnecting).toEqual([3, 2, 0, 0]);
    expect($disconnect.events.slice(0, 2).map((event) => event.requestContext.connectionId)).toEqual(
      ids.slice(0, 2),
    );
    for (const client of clients) expect((await client.closed()).code).toBe(1001);
  });

  it('refuses handshakes once stopping, and a second stop waits for the first', async () => {
    // Prepare
    let disconnectFinished = false;
    const $disconnect = recordingFunction<WebSocketProxyEvent>('disconnect', async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      disconnectFinished = true;
      return { statusCode: 200 };
    });
    fake = await startFakeGateway({ $disconnect });
    const client = await connectClient(fake.url);

    // Act
    const first = fake.gateway.stop();
    const refused = await connectClient(fake.url).then(
      () => 'connected',
      (error: Error) => error.message,
    );
    await fake.gateway.stop();

    // Assess
    expect(refused).toMatch(/503|ECONNREFUSED/);
    expect(disconnectFinished).toBe(true);
    expect((await client.closed()).code).toBe(1001);
    await first;
  });
});
