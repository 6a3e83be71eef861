/**
 * The per-user concurrent-connection cap, enforced at $connect across every Lambda instance.
 *
 * A client that vanished without a $disconnect still holds its slot. When a user is at the cap, the
 * holders old enough to have finished their own $connect are probed (GET @connections); the gone ones
 * are removed, which frees their slots, and the claim is tried once more. So a lost $disconnect never
 * locks a user out: the next connect attempt clears it.
 */

import type { ConnectionSlots, RemovedConnection } from './ports.ts';
import { announceDepartures, type PresenceDeps } from './presence.ts';
import { fail, type Result } from './result.ts';

export interface ConnectionCapDeps extends PresenceDeps {
  readonly slots: ConnectionSlots;
  /**
   * Holders younger than this are never probed: they may still be inside their own $connect, where a
   * probe answers 410 although the connection is about to open. Above API Gateway's 29 s integration
   * timeout on AWS.
   */
  readonly probeMinAgeMs: number;
}

/** The slot claimed, or `OverCap` when every slot stays taken. */
export type CapOutcome = Result<{ readonly slot: number }, 'OverCap'>;

export async function claimConnectionSlot(
  deps: ConnectionCapDeps,
  userId: string,
  connectionId: string,
  cap: number,
): Promise<CapOutcome> {
  const first = await deps.slots.claim(userId, connectionId, cap);
  if (first.success) return first;

  let freed = 0;
  const departed: RemovedConnection[] = [];
  for (const holder of first.error.holders) {
    if (holder.connectionId === '') {
      freed++; // released between our attempt and now
      continue;
    }
    if (deps.now() - holder.claimedAt < deps.probeMinAgeMs) continue;
    if ((await deps.gateway.probe(holder.connectionId)) === 'open') continue;
    const removed = await deps.connections.remove(holder.connectionId);
    // The slot may belong to a connection whose item was never written (its $connect failed after claiming).
    await deps.slots.release(userId, holder.slot, holder.connectionId);
    departed.push(removed);
    freed++;
  }
  if (departed.length > 0) {
    deps.logger.info('freed slots of vanished connections', { userId, count: departed.length });
    await announceDepartures(deps, departed);
  }
  if (freed === 0) return fail('OverCap');
  const second = await deps.slots.claim(userId, connectionId, cap);
  return second.success ? second : fail('OverCap');
}
