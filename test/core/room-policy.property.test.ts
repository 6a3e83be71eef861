/**
 * For random sequences of create, invite, uninvite, join, kick, ban, unban, setRole, updateRoom and
 * post by random users with random roles: no message of a private room ever reaches a connection whose
 * user was not allowed in when it was sent, and no post from a user who may not post is delivered.
 *
 * The oracle below is written from the rules as the README states them, independently of
 * room-policy.ts, and judges each post against the world as it stood just before the post.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_ACTIONS, type ClientRequest } from '../../lambdas/core/protocol.ts';
import { handleClientFrame } from '../../lambdas/core/session.ts';
import { MemoryWorld } from '../fixtures/memory-world.ts';

const users: readonly string[] = ['ann', 'ben', 'cid'];
const everything = new Set([...CLIENT_ACTIONS, 'text' as const]);

type Operation = { readonly by: number; readonly tab: number; readonly request: ClientRequest };

const target = fc.constantFrom(...users);
// Mostly one room, so that its state builds up; sometimes the other.
const room = fc.constantFrom('one', 'one', 'one', 'two');
// Weighted so that sequences often build private rooms with members and posts in them.
const request: fc.Arbitrary<ClientRequest> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      action: fc.constant('createRoom' as const),
      room,
      visibility: fc.constantFrom('private' as const, 'private' as const, 'public' as const),
      posting: fc.constantFrom('everyone' as const, 'everyone' as const, 'moderators' as const),
    }),
  },
  { weight: 10, arbitrary: fc.record({ action: fc.constant('joinRoom' as const), room }) },
  { weight: 1, arbitrary: fc.record({ action: fc.constant('leaveRoom' as const), room }) },
  { weight: 4, arbitrary: fc.record({ action: fc.constant('invite' as const), room, username: target }) },
  { weight: 2, arbitrary: fc.record({ action: fc.constant('uninvite' as const), room, username: target }) },
  { weight: 2, arbitrary: fc.record({ action: fc.constant('kick' as const), room, username: target }) },
  {
    weight: 2,
    arbitrary: fc.record({
      action: fc.constant('ban' as const),
      room,
      username: target,
      seconds: fc.constantFrom(5, 50),
    }),
  },
  { weight: 1, arbitrary: fc.record({ action: fc.constant('unban' as const), room, username: target }) },
  {
    weight: 2,
    arbitrary: fc.record({
      action: fc.constant('setRole' as const),
      room,
      username: target,
      role: fc.constantFrom('moderator' as const, 'member' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      action: fc.constant('updateRoom' as const),
      room,
      visibility: fc.constantFrom('public' as const, 'private' as const),
      posting: fc.constantFrom('everyone' as const, 'moderators' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ action: fc.constant('deleteRoom' as const), room }) },
  {
    weight: 12,
    arbitrary: fc.record({ action: fc.constant('sendMessage' as const), room, content: fc.constant('post') }),
  },
);
const operation: fc.Arbitrary<Operation> = fc.record({
  by: fc.nat({ max: users.length - 1 }),
  tab: fc.nat({ max: 1 }),
  request,
});
/** Most users have no global role; some are moderators, a few admins. */
const globalRoles = fc.array(fc.constantFrom<string[]>([], [], [], ['moderator'], ['admin']), {
  minLength: users.length,
  maxLength: users.length,
});

/** The rules, restated: may `user` be in `room` now? */
function allowedIn(world: MemoryWorld, name: string, user: string, groups: readonly string[]): boolean {
  const state = world.rooms.get(name);
  if (!state) return false;
  if (groups.includes('admin')) return true;
  const ban = world.bans.get(name)?.get(user);
  if (ban && ban.until > world.clock) return false;
  if (state.record.visibility === 'public') return true;
  return (
    state.record.owner === user ||
    (world.invited.get(name)?.has(user) ?? false) ||
    (world.moderators.get(name)?.has(user) ?? false)
  );
}

function mayPost(
  world: MemoryWorld,
  name: string,
  user: string,
  groups: readonly string[],
  connection: string,
) {
  const state = world.rooms.get(name);
  if (!state || !world.members.get(name)?.has(connection) || !allowedIn(world, name, user, groups))
    return false;
  if (state.record.posting === 'everyone') return true;
  return (
    groups.includes('admin') ||
    groups.includes('moderator') ||
    state.record.owner === user ||
    (world.moderators.get(name)?.has(user) ?? false)
  );
}

describe('room policy, end to end through the use cases', () => {
  it('never delivers a private room’s message to someone not allowed in, nor a post that may not be made', async () => {
    // Counted across runs, so the property is seen to exercise both sides of each rule.
    const seen = { privateDeliveries: 0, refusedPosts: 0, deniedReceivers: 0 };
    await fc.assert(
      fc.asyncProperty(
        globalRoles,
        fc.array(operation, { minLength: 1, maxLength: 60 }),
        fc.nat({ max: 2 }),
        async (roles, randomOperations, founder) => {
          // Every sequence starts in a private room (joining an unknown name would make it public).
          const operations: Operation[] = [
            { by: founder, tab: 0, request: { action: 'createRoom', room: 'one', visibility: 'private' } },
            ...randomOperations,
          ];
          const world = new MemoryWorld();
          const groupsOf = new Map(users.map((user, index) => [user, roles[index] ?? []]));
          for (const user of users) {
            world.connect(`${user}-0`, user, groupsOf.get(user));
            world.connect(`${user}-1`, user, groupsOf.get(user));
          }
          for (const [step, { by, tab, request }] of operations.entries()) {
            const user = users[by] as string;
            const connectionId = `${user}-${tab}`;
            const caller = world.connectionRecords.get(connectionId);
            if (!caller) continue;
            const posting = request.action === 'sendMessage';
            const allowedBefore = posting
              ? new Map(
                  users.map((each) => [each, allowedIn(world, request.room, each, groupsOf.get(each) ?? [])]),
                )
              : undefined;
            const senderMayPost =
              posting && mayPost(world, request.room, user, groupsOf.get(user) ?? [], connectionId);
            const before = new Map([...world.inbox].map(([id, frames]) => [id, frames.length]));
            const content = `post ${step}`;
            const sent = posting ? { ...request, content } : request;

            await handleClientFrame(world.deps(), caller, { kind: 'request', request: sent }, everything);
            world.clock += 1_000;

            if (!posting || !allowedBefore) continue;
            const receivers = [...world.inbox]
              .filter(([id, frames]) =>
                frames
                  .slice(before.get(id) ?? 0)
                  .some((frame) => frame.type === 'message' && frame.content === content),
              )
              .map(([id]) => world.connectionRecords.get(id)?.username ?? id.replace(/-\d$/, ''));
            if (!senderMayPost) expect(receivers).toEqual([]);
            for (const receiver of receivers) expect(allowedBefore.get(receiver)).toBe(true);
            if (!senderMayPost) seen.refusedPosts++;
            else if (world.rooms.get(request.room)?.record.visibility === 'private' && receivers.length > 0) {
              seen.privateDeliveries++;
              if ([...allowedBefore.values()].includes(false)) seen.deniedReceivers++;
            }
          }
        },
      ),
      { numRuns: 600 },
    );
    expect(seen.privateDeliveries).toBeGreaterThan(50);
    expect(seen.refusedPosts).toBeGreaterThan(50);
    expect(seen.deniedReceivers).toBeGreaterThan(20);
  });
});
