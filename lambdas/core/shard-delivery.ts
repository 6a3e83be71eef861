/**
 * A shard worker: delivers a large room's frames to one shard of its members (member-shards.ts).
 *
 * Its queue gives it one room and shard at a time, in order, so the frames of consecutive deliveries
 * are posted as one run: the shard's members are read once (at delivery time, so a member who left or
 * was kicked meanwhile gets nothing, and a token that expired meanwhile stops it) and each member gets
 * every frame in order.
 */
import type { Queued, ShardDelivery } from './fanout-publications.ts';
import { type FanoutDeps, type FanoutResult, postAndSettle } from './room-fanout.ts';

/** Delivers consecutive deliveries of one room and shard; 'retry' gives them all back to the queue. */
export async function deliverToShard(
  deps: FanoutDeps,
  batch: readonly Queued<ShardDelivery>[],
): Promise<FanoutResult> {
  const first = batch[0]?.value;
  if (!first) return 'done';
  const frames = batch.flatMap(({ value }) => value.frames);
  const recipients: string[] = [];
  for await (const page of deps.rooms.recipients(first.room, { shard: first.shard }))
    recipients.push(...page);
  return postAndSettle(deps, first.room, recipients, frames);
}
