import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RefusedError, TimeoutError } from '../../client/src/errors.ts';
import { Sequencer } from '../../client/src/sequencer.ts';
import type { HistoryEntry, HistoryFrame, JoinedFrame, MessageFrame } from '../../lambdas/core/wire.ts';
import { ManualScheduler, settle } from './support/manual-scheduler.ts';

const message = (seq: number, extra: Partial<MessageFrame> = {}): MessageFrame => ({
  type: 'message',
  room: 'general',
  epoch: 'e1',
  seq,
  id: `id-${seq}`,
  content: `m${seq}`,
  userId: 'sub-bob',
  username: 'bob',
  time: '2030-01-01T00:00:00.000Z',
  ...extra,
});

const joinedAt = (seq: number, extra: Partial<JoinedFrame> = {}): JoinedFrame => ({
  type: 'joined',
  room: 'general',
  userId: 'sub-alice',
  username: 'alice',
  time: '2030-01-01T00:00:00.000Z',
  self: true,
  epoch: 'e1',
  seq,
  ...extra,
});

/** A sequencer over a history of `stored` numbers (all of 1..n unless told otherwise). */
function setup(options: { stored?: HistoryEntry[]; page?: (after: number) => Promise<HistoryFrame> } = {}) {
  const scheduler = new ManualScheduler();
  const delivered: MessageFrame[] = [];
  const gaps: [number, number][] = [];
  const pages: number[] = [];
  const stored = options.stored ?? [];
  const sequencer = new Sequencer('general', {
    scheduler,
    gapWaitMs: 1_000,
    deliver: (m) => delivered.push(m),
    lost: (after, before) => gaps.push([after, before]),
    page:
      options.page ??
      (async (after) => {
        pages.push(after);
        const messages = stored.filter((entry) => entry.seq > after).slice(0, 100);
        const last = stored.at(-1)?.seq ?? 0;
        return {
          type: 'history',
          room: 'general',
          epoch: 'e1',
          messages,
          hasMore: (messages.at(-1)?.seq ?? last) < last,
        };
      }),
  });
  const seqs = () => delivered.map((m) => m.seq);
  return { scheduler, sequencer, delivered, gaps, pages, seqs };
}

const storedMessage = (seq: number) => {
  const { type: _t, room: _r, epoch: _e, ...entry } = message(seq);
  return entry;
};

describe('Sequencer', () => {
  it('starts a first join at the room’s current number: earlier messages are history, not news', () => {
    const { sequencer, seqs } = setup();
    sequencer.accept(message(3)); // overtook the join confirmation
    sequencer.joined(joinedAt(3), true);
    sequencer.accept(message(4));
    expect(seqs()).toEqual([4]);
    expect(sequencer.last).toBe(4);
  });

  it('holds a message after a gap and delivers both in order when the gap closes in time, without history', async () => {
    const { sequencer, seqs, pages, scheduler } = setup();
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(2));
    const whileHeld = seqs();
    await scheduler.advance(999);
    sequencer.accept(message(1));
    await scheduler.advance(5_000);

    expect(whileHeld).toEqual([]);
    expect(seqs()).toEqual([1, 2]);
    expect(pages).toEqual([]);
  });

  it('fills a gap that does not close within gapWaitMs from history { after: last }', async () => {
    const { sequencer, seqs, pages, scheduler, delivered } = setup({ stored: [1, 2, 3].map(storedMessage) });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(3));
    await scheduler.advance(999);
    const before = [...pages];
    await scheduler.advance(1);

    expect(before).toEqual([]);
    expect(pages).toEqual([0]);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(delivered[0]).toMatchObject({
      type: 'message',
      room: 'general',
      epoch: 'e1',
      replayed: true,
      content: 'm1',
    });
    expect(delivered[2]?.replayed).toBeUndefined(); // the live copy that was held
  });

  it('reports numbers history no longer has as a gap, and delivers on', async () => {
    const { sequencer, seqs, gaps, scheduler } = setup({ stored: [5, 6].map(storedMessage) });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(6));
    await scheduler.advance(1_000);

    expect(gaps).toEqual([[0, 5]]);
    expect(seqs()).toEqual([5, 6]);
  });

  it('passes over tombstones (deleted or lost numbers) without delivering them', async () => {
    const { sequencer, seqs, scheduler, gaps } = setup({
      stored: [
        storedMessage(1),
        { seq: 2, deleted: true, by: 'carol' },
        { seq: 3, deleted: true },
        storedMessage(4),
      ],
    });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(5));
    await scheduler.advance(1_000);

    expect(seqs()).toEqual([1, 4, 5]);
    expect(gaps).toEqual([]);
  });

  it('pages on while history has more', async () => {
    const stored = Array.from({ length: 250 }, (_, i) => storedMessage(i + 1));
    const { sequencer, seqs, pages, scheduler } = setup({ stored });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(251));
    await scheduler.advance(1_000);

    expect(pages).toEqual([0, 100, 200]);
    expect(seqs()).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
  });

  it('waits for a number taken but not yet stored, and declares it lost after three empty pages', async () => {
    // 2 was numbered by a sender that has not stored it (yet): history ends at 1
    const { sequencer, seqs, pages, gaps, scheduler } = setup({ stored: [storedMessage(1)] });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(3));
    await scheduler.advance(1_000);
    const afterFirstPage = seqs();
    await scheduler.advance(3_000);

    expect(afterFirstPage).toEqual([1]);
    expect(pages).toEqual([0, 1, 1, 1]);
    expect(gaps).toEqual([[1, 3]]);
    expect(seqs()).toEqual([1, 3]);
  });

  it('reports the gap and delivers on when history is refused (e.g. HISTORY_DISABLED)', async () => {
    const { sequencer, seqs, gaps, scheduler } = setup({
      page: async () => {
        throw new RefusedError({ code: 'HISTORY_DISABLED', message: 'history is off' });
      },
    });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(2));
    sequencer.accept(message(3));
    await scheduler.advance(1_000);

    expect(gaps).toEqual([[0, 2]]);
    expect(seqs()).toEqual([2, 3]);
  });

  it('asks again after a moment when a history request times out', async () => {
    let calls = 0;
    const { sequencer, seqs, scheduler } = setup({
      page: async () => {
        if (++calls === 1) throw new TimeoutError('no reply');
        return {
          type: 'history',
          room: 'general',
          epoch: 'e1',
          messages: [storedMessage(1)],
          hasMore: false,
        };
      },
    });
    sequencer.joined(joinedAt(0), true);

    sequencer.accept(message(2));
    await scheduler.advance(1_000);
    const afterTimeout = seqs();
    await scheduler.advance(1_000);

    expect(afterTimeout).toEqual([]);
    expect(seqs()).toEqual([1, 2]);
  });

  it('holds arrivals while suspended and drops what it already delivered after the rejoin', async () => {
    const { sequencer, seqs } = setup();
    sequencer.joined(joinedAt(0), true);
    sequencer.accept(message(1));
    sequencer.accept(message(2));

    sequencer.suspend();
    sequencer.accept(message(2, { replayed: true }));
    sequencer.accept(message(3));
    const whileSuspended = seqs();
    sequencer.joined(joinedAt(3, { recovered: true, replay: { count: 1, complete: true } }), false);
    await settle();

    expect(whileSuspended).toEqual([1, 2]);
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('fills at once, without waiting, when a rejoin’s catch-up ends short of the room’s number', async () => {
    const { sequencer, pages, seqs } = setup({ stored: [1, 2, 3, 4].map(storedMessage) });
    sequencer.joined(joinedAt(0), true);
    sequencer.suspend();

    sequencer.joined(joinedAt(4, { recovered: true, replay: { count: 2, complete: false } }), false);
    sequencer.accept(message(1, { replayed: true }));
    sequencer.accept(message(2, { replayed: true }));
    await settle();

    expect(pages).toEqual([2]);
    expect(seqs()).toEqual([1, 2, 3, 4]);
  });

  it('drops messages of another epoch, and restarts from 1 when a rejoin reports a new epoch', () => {
    const { sequencer, seqs } = setup();
    sequencer.joined(joinedAt(5), true);
    sequencer.accept(message(6, { epoch: 'e0' }));
    sequencer.suspend();

    const changed = sequencer.joined(joinedAt(0, { epoch: 'e2', recovered: false }), false);
    sequencer.accept(message(1, { epoch: 'e2' }));

    expect(changed).toBe(true);
    expect(seqs()).toEqual([1]);
    expect(sequencer.epoch).toBe('e2');
  });

  it('passes messages straight through for a server that does not number them', () => {
    const { sequencer, seqs } = setup();
    sequencer.joined(joinedAt(0, { epoch: undefined, seq: undefined }), true);
    sequencer.accept(message(0));
    sequencer.accept(message(0));
    expect(seqs()).toEqual([0, 0]);
  });

  it('delivers 1..n exactly once in order for any arrival order, duplicates and losses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            // Each number arrives 0 to 3 times (0: only history has it), at shuffled positions.
            copies: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
            order: fc.array(fc.nat(), { minLength: 4 * n, maxLength: 4 * n }),
            pauses: fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 4 * n, maxLength: 4 * n }),
          }),
        ),
        async ({ n, copies, order, pauses }) => {
          const { sequencer, seqs, gaps, scheduler } = setup({
            stored: Array.from({ length: n }, (_, i) => storedMessage(i + 1)),
          });
          sequencer.joined(joinedAt(0), true);
          const arrivals = copies.flatMap((count, i) => Array.from({ length: count }, () => i + 1));
          const shuffled = arrivals
            .map((seq, i) => ({ seq, key: order[i] ?? 0 }))
            .sort((a, b) => a.key - b.key);
          for (const [i, { seq }] of shuffled.entries()) {
            sequencer.accept(message(seq));
            await scheduler.advance(pauses[i] ?? 0);
          }
          // The highest number may never have arrived at all: the room's number says it exists.
          if (arrivals.length === 0 || !arrivals.includes(n)) sequencer.accept(message(n));
          await scheduler.advance(10_000);

          expect(seqs()).toEqual(Array.from({ length: n }, (_, i) => i + 1));
          expect(gaps).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
