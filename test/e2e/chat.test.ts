/**
 * Parley end to end on the local stack: real sockets, real handlers, DynamoDB Local, tokens from the
 * local identity provider verified by the real authorizer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/local-stack.ts';
import { silentLogger } from '../../local/logger.ts';
import { openWebSocket, type TestClient } from '../local/support/test-client.ts';
import { connectAs, login, type Session } from './support/chat-fixtures.ts';
import { eventually } from './support/eventually.ts';
import { request } from './support/frames.ts';
import { tableReader } from './support/table-reader.ts';

describe('Parley chat on the local stack', () => {
  let stack: LocalStack;
  let table: ReturnType<typeof tableReader>;
  let clockSkewMs = 0;
  const open: TestClient[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      logger: silentLogger,
      identity: { now: () => Date.now() + clockSkewMs },
    });
    table = tableReader(stack);
  });

  afterEach(async () => {
    // Close every client and wait until $disconnect has removed its connection, so tests do not leak into each other.
    const ids = stack.gateway.connections().map((connection) => connection.connectionId);
    for (const client of open.splice(0)) client.close();
    await eventually(async () => {
      expect(stack.gateway.connections()).toEqual([]);
      for (const id of ids) expect(await table.connection(id)).toBeUndefined();
    });
  });

  afterAll(async () => {
    table?.destroy();
    await stack?.stop();
  });

  const join = async (session: Session, room: string) => {
    session.client.sendJson({ action: 'joinRoom', room });
    return session.client.nextJson(
      (frame) => frame.type === 'joined' && frame.userId === session.welcome.userId,
    );
  };
  const connect = async (username: string) => {
    const session = await connectAs(stack, username);
    open.push(session.client);
    return session;
  };

  it('sends a welcome frame right after connecting and stores the connection', async () => {
    // Act
    const alice = await connect('alice');

    // Assess
    expect(alice.welcome).toMatchObject({
      type: 'welcome',
      username: 'alice',
      connectionId: expect.any(String),
    });
    const stored = await table.connection(alice.welcome.connectionId);
    expect(stored).toMatchObject({
      connectionId: alice.welcome.connectionId,
      userId: alice.welcome.userId,
      username: 'alice',
    });
  });

  it('echoes plain text the way the tutorial does', async () => {
    // Prepare
    const alice = await connect('alice');

    // Act
    alice.client.send('Hello, server!');

    // Assess
    const echo = await alice.client.nextMessage((message) => !message.data.startsWith('{'));
    expect(echo.data).toBe(`User alice (ID: ${alice.welcome.userId}) sent: Hello, server!`);
  });

  it.each([
    ['missing', async () => ''],
    ['garbage', async () => '?token=not-a-jwt'],
    [
      'tampered',
      async () => {
        const [header, payload, signature] = (await login(stack, 'alice', 'password1')).split('.') as [
          string,
          string,
          string,
        ];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        const forged = Buffer.from(
          JSON.stringify({ ...claims, username: 'dave', 'cognito:groups': ['admin'] }),
        ).toString('base64url');
        return `?token=${header}.${forged}.${signature}`;
      },
    ],
    [
      'expired',
      async () => {
        clockSkewMs = -3 * 60 * 60 * 1000;
        try {
          return `?token=${await login(stack, 'alice', 'password1')}`;
        } finally {
          clockSkewMs = 0;
        }
      },
    ],
  ])('refuses a %s token with 401 and writes nothing to the table', async (_name, query) => {
    // Prepare
    const suffix = await query();
    const before = await table.allConnections();

    // Act
    const handshake = await openWebSocket(`${stack.webSocketUrl}${suffix}`);

    // Assess
    expect(handshake).toMatchObject({ kind: 'refused', status: 401 });
    expect(await table.allConnections()).toEqual(before);
    expect(stack.gateway.connections()).toEqual([]);
  });

  it('lets two members see each other join and exchange messages while a non-member hears nothing', async () => {
    // Prepare
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');

    // Act
    await join(alice, 'general');
    await join(bob, 'general');
    alice.client.sendJson({ action: 'sendMessage', room: 'general', content: 'Hi Bob' });
    bob.client.sendJson({ action: 'sendMessage', room: 'general', content: 'Hi Alice' });

    // Assess
    const bobJoined = await alice.client.nextJson(
      (frame) => frame.type === 'joined' && frame.username === 'bob',
    );
    expect(bobJoined).toMatchObject({ room: 'general', userId: bob.welcome.userId });
    // The two sends are concurrent, so they may arrive in either order: look for both, not in turn.
    const messagesOf = (session: Session) =>
      session.client.received
        .map((message) => JSON.parse(message.data) as { type: string; content?: string; username?: string })
        .filter((frame) => frame.type === 'message');
    for (const member of [alice, bob]) {
      await eventually(async () => expect(messagesOf(member)).toHaveLength(2));
      expect(Object.fromEntries(messagesOf(member).map((frame) => [frame.content, frame.username]))).toEqual({
        'Hi Bob': 'alice',
        'Hi Alice': 'bob',
      });
    }
    const members = await table.members('general');
    expect(members.map((item) => item.connectionId).sort()).toEqual(
      [alice.welcome.connectionId, bob.welcome.connectionId].sort(),
    );
    // Carol's ping is answered after both broadcasts finished; nothing but her welcome and the pong may have arrived.
    carol.client.sendJson({ action: 'ping', requestId: 'barrier' });
    await carol.client.nextJson((frame) => frame.type === 'pong');
    expect(carol.client.received.map((message) => JSON.parse(message.data).type)).toEqual([
      'welcome',
      'pong',
    ]);
  });

  it('announces leaving a room and disconnecting to the remaining members', async () => {
    // Prepare
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');
    for (const session of [alice, bob, carol]) await join(session, 'lobby');

    // Act
    bob.client.sendJson({ action: 'leaveRoom', room: 'lobby' });
    const bobLeft = await alice.client.nextJson((frame) => frame.type === 'left' && frame.username === 'bob');
    carol.client.close(1000);

    // Assess
    expect(bobLeft).toMatchObject({ room: 'lobby', userId: bob.welcome.userId });
    const carolLeft = await alice.client.nextJson(
      (frame) => frame.type === 'left' && frame.username === 'carol',
    );
    expect(carolLeft).toMatchObject({ room: 'lobby', userId: carol.welcome.userId });
    await eventually(async () => {
      expect((await table.members('lobby')).map((item) => item.connectionId)).toEqual([
        alice.welcome.connectionId,
      ]);
      expect(await table.connection(carol.welcome.connectionId)).toBeUndefined();
    });
  });

  it('removes a connection that vanished without $disconnect on the next broadcast (410)', async () => {
    // Prepare
    const alice = await connect('alice');
    const bob = await connect('bob');
    await join(alice, 'ghosts');
    await join(bob, 'ghosts');
    const bobId = bob.welcome.connectionId;
    expect(stack.gateway.dropConnection(bobId)).toBe(true);
    expect(await table.connection(bobId)).toBeDefined(); // $disconnect did not run

    // Act
    alice.client.sendJson({ action: 'sendMessage', room: 'ghosts', content: 'anyone there?' });
    await alice.client.nextJson((frame) => frame.type === 'message' && frame.content === 'anyone there?');

    // Assess
    await eventually(async () => {
      expect(await table.connection(bobId)).toBeUndefined();
      expect((await table.members('ghosts')).map((item) => item.connectionId)).toEqual([
        alice.welcome.connectionId,
      ]);
      // No ghost: bob is out of the room's presence too, and its count says so.
      expect((await table.presence('ghosts')).map((item) => item.username)).toEqual(['alice']);
    });
    const presence = await request(alice.client, { action: 'presence', room: 'ghosts' });
    expect(presence).toMatchObject({ count: 1, users: [expect.objectContaining({ username: 'alice' })] });
  });

  it('accepts the tutorial browser client: FormData login, then ?token= on the WebSocket URL', async () => {
    // Prepare
    const formData = new FormData();
    formData.append('username', 'dave');
    formData.append('password', 'password4');

    // Act
    const response = await fetch(`${stack.httpUrl}/login`, { method: 'POST', body: formData });
    const { token } = (await response.json()) as { token: string };
    const handshake = await openWebSocket(`${stack.webSocketUrl}?token=${token}`);

    // Assess
    expect(response.status).toBe(200);
    expect(handshake.kind).toBe('open');
    if (handshake.kind !== 'open') return;
    open.push(handshake.client);
    const welcome = await handshake.client.nextJson((frame) => frame.type === 'welcome');
    expect(welcome).toMatchObject({ username: 'dave', groups: ['admin'] });
  });

  it('refuses a wrong password with 401', async () => {
    // Act
    const response = await fetch(`${stack.httpUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=wrong',
    });

    // Assess
    expect(response.status).toBe(401);
  });
});
