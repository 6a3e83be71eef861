/**
 * What the cost model takes from Parley's code rather than from a measurement: the bytes of a message
 * frame (built by the production frame builder), of a `sendMessage` request, the sweeper's schedule,
 * whether the per-user cap (a slot write at `$connect`) is on by default, and when rooms stop announcing
 * each join and departure.
 */
import { encodeFrame, messageFrame } from '../lambdas/core/frames.ts';
import { MEMBER_SHARDS } from '../lambdas/core/member-shards.ts';
import { defaults } from '../lambdas/defaults.ts';
import { scheduledFunctions } from '../lambdas/functions.ts';
import type { CodeFacts } from './model.ts';

/** A room name and identity of typical length: a Cognito `sub` is a 36-character UUID. */
const room = 'general-chat';
const sender = { userId: '0b5e3c2a-8f1d-4e7a-9c6b-1a2b3c4d5e6f', username: 'alice.smith' };

export const codeFacts: CodeFacts = {
  messageFrameBytes: (contentBytes) =>
    encodeFrame(
      messageFrame(room, '', {
        seq: 123456,
        id: '01JDXR9Q6V3M8K2N4P5S7T9W0Y',
        content: 'x'.repeat(contentBytes),
        ...sender,
        time: Date.UTC(2026, 10, 30),
      }),
    ).byteLength,
  sendRequestBytes: (contentBytes) =>
    Buffer.byteLength(JSON.stringify({ action: 'sendMessage', room, content: 'x'.repeat(contentBytes) })),
  sweeperEverySeconds: scheduledFunctions.sweeper?.everySeconds ?? 60,
  connectionCapOn: defaults.maxConnectionsPerUser > 0,
  announceJoinsUpTo: defaults.rooms.announceJoinsUpTo,
  occupancyIntervalSeconds: defaults.rooms.occupancyIntervalSeconds,
  fanoutDirectLimit: defaults.fanout.directLimit,
  memberShards: MEMBER_SHARDS,
};
