import { describe, expect, it } from 'vitest';
import { connected, contents, joined } from './support/harness.ts';
import { settle } from './support/manual-scheduler.ts';

describe('smoke', () => {
  it('connects, joins, sends and receives', async () => {
    const h = await connected();
    const { room, messages } = await joined(h);
    const ack = room.send('hi');
    await settle();
    await expect(ack).resolves.toMatchObject({ seq: 1 });
    h.server.post('general', 'yo');
    await settle();
    expect(contents(messages)).toEqual(['hi', 'yo']);
    expect(h.states()).toEqual(['connecting', 'connected']);
  });
});
