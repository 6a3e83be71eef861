import { describe, expect, it } from 'vitest';
import { DeliveryLedger, totalDeliveries } from '../../bench/delivery-ledger.ts';

describe('DeliveryLedger', () => {
  it('counts lost, duplicated and out-of-order deliveries against what was sent', () => {
    // Prepare
    const ledger = new DeliveryLedger();
    // Act: 0, 2, 1 (late), 2 again, 4; 3 never comes
    for (const [number, at] of [
      [0, 10],
      [2, 11],
      [1, 12],
      [2, 13],
      [4, 14],
    ] as const)
      ledger.record(number, at);
    // Assess
    expect(ledger.counts([0, 1, 2, 3, 4])).toEqual({ lost: 1, duplicated: 1, outOfOrder: 1 });
    expect(ledger.arrival(2)).toBe(11);
  });

  it("judges order by the room's seq where the server numbers messages, not by the order they were sent", () => {
    // Prepare
    const ledger = new DeliveryLedger();

    // Act: sends 0, 1, 2 numbered 2, 1, 3 by the room (1 and 0 crossed on the way to the sequencer)
    ledger.record(1, 10, 1);
    ledger.record(0, 11, 2);
    ledger.record(2, 12, 3);

    // Assess
    expect(ledger.counts([0, 1, 2])).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('counts a message that arrives after a later seq as out of order', () => {
    const ledger = new DeliveryLedger();
    ledger.record(0, 10, 2);
    ledger.record(1, 11, 1);
    expect(ledger.counts([0, 1]).outOfOrder).toBe(1);
  });

  it('resolves a wait on arrival, or with undefined when the wait is given up', async () => {
    const ledger = new DeliveryLedger();
    const controller = new AbortController();
    const arriving = ledger.arrived(7, controller.signal);
    const never = ledger.arrived(8, controller.signal);
    ledger.record(7, 42);
    controller.abort();
    expect(await arriving).toBe(42);
    expect(await never).toBeUndefined();
  });

  it('adds up clients', () => {
    expect(
      totalDeliveries([
        { lost: 1, duplicated: 0, outOfOrder: 2 },
        { lost: 0, duplicated: 3, outOfOrder: 1 },
      ]),
    ).toEqual({ lost: 1, duplicated: 3, outOfOrder: 3 });
  });
});
