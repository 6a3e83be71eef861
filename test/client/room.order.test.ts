import { describe, expect, it } from 'vitest';
import { connected, contents, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

describe('Room message order', () => {
  it('hands live messages to the application in seq order whatever order the frames arrive in', async () => {
    // Prepare: stored on the server, but the fan-out delivers 3, 1, 2
    const harness = await connected();
    const { server, scheduler } = harness;
    const { room, messages } = await joined(harness);
    const socket = server.last;
    socket.rooms.delete('general');
    const frames = ['one', 'two', 'three'].map((text) => server.post('general', text));
    socket.rooms.add('general');

    // Act
    socket.push(frames[2] as never);
    await scheduler.advance(300);
    socket.push(frames[0] as never);
    socket.push(frames[1] as never);
    await settle();

    // Assess
    expect(contents(messages)).toEqual(['one', 'two', 'three']);
    expect(socket.sent('history')).toEqual([]);
    expect(room.lastSeq).toBe(3);
    expect(room.epoch).toBe('epoch1');
  });

  it('fills a gap that does not close from history, through the server', async () => {
    // Prepare: message 1 is stored but its frame is lost
    const harness = await connected();
    const { server, scheduler } = harness;
    const { messages } = await joined(harness);
    const socket = server.last;
    socket.rooms.delete('general');
    server.post('general', 'lost in transit');
    socket.rooms.add('general');

    // Act
    server.post('general', 'arrived');
    await scheduler.advance(999);
    const whileHeld = contents(messages);
    await scheduler.advance(1);

    // Assess
    expect(whileHeld).toEqual([]);
    expect(contents(messages)).toEqual(['lost in transit', 'arrived']);
    expect(socket.sent('history').map(({ requestId: _, ...request }) => request)).toEqual([
      { action: 'history', room: 'general', after: 0, limit: 100 },
    ]);
  });

  it('starts a first join at the room’s current number: what came before is history()', async () => {
    const harness = await connected();
    harness.server.post('general', 'before the join');
    const { room, messages } = await joined(harness);

    harness.server.post('general', 'after the join');
    await settle();
    const earlier = await room.history({ before: 2 });

    expect(contents(messages)).toEqual(['after the join']);
    expect(earlier.messages).toMatchObject([{ seq: 1, content: 'before the join' }]);
  });
});
