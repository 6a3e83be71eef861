/**
 * The README's role × action table, checked cell by cell against room-policy.ts: the table is read
 * from the README itself, so the documentation cannot drift from the rules.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  mayInvite,
  mayJoin,
  mayManage,
  mayModerate,
  mayPost,
  maySee,
  maySetRole,
  noStanding,
  type RoomFacts,
  type Standing,
} from '../../lambdas/core/room-policy.ts';

const NOW = 1_800_000_000_000;
const columns = [
  'admin',
  'global moderator',
  'owner',
  'room moderator',
  'invited user',
  'other user',
] as const;
type Column = (typeof columns)[number];

/** Who each column is: a username, global roles and their standing in the room (owned by "olga"). */
const people: Record<Column, { actor: Actor; standing: Standing }> = {
  admin: { actor: { username: 'dave', globalRoles: ['admin'] }, standing: noStanding },
  'global moderator': { actor: { username: 'carol', globalRoles: ['moderator'] }, standing: noStanding },
  owner: { actor: { username: 'olga', globalRoles: [] }, standing: noStanding },
  'room moderator': {
    actor: { username: 'mia', globalRoles: [] },
    standing: { moderator: true, invited: false },
  },
  'invited user': {
    actor: { username: 'ivan', globalRoles: [] },
    standing: { moderator: false, invited: true },
  },
  'other user': { actor: { username: 'otto', globalRoles: [] }, standing: noStanding },
};
const room = (overrides: Partial<RoomFacts> = {}): RoomFacts => ({
  visibility: 'public',
  posting: 'everyone',
  owner: 'olga',
  ...overrides,
});
const banned = (standing: Standing): Standing => ({ ...standing, bannedUntil: NOW + 60_000 });
const member = { username: 'max', standing: noStanding };
const moderator = { username: 'mona', standing: { moderator: true, invited: false } };

/** Each README row as a question to the policy module. */
const rows: Record<string, (column: Column) => boolean> = {
  'join a public room': (c) => mayJoin(room(), people[c].actor, people[c].standing, NOW).success,
  'join a private room': (c) =>
    mayJoin(room({ visibility: 'private' }), people[c].actor, people[c].standing, NOW).success,
  'join a room one is banned from': (c) =>
    mayJoin(room(), people[c].actor, banned(people[c].standing), NOW).success,
  'see a private room in `listRooms`': (c) =>
    maySee(room({ visibility: 'private' }), people[c].actor, people[c].standing),
  'post in an open room, once joined': (c) =>
    mayPost(room(), people[c].actor, people[c].standing, true).success,
  'post in an announcement room, once joined': (c) =>
    mayPost(room({ posting: 'moderators' }), people[c].actor, people[c].standing, true).success,
  'update or delete the room': (c) => mayManage(room(), people[c].actor).success,
  'invite or uninvite someone': (c) => mayInvite(room(), people[c].actor, people[c].standing, 'nina').success,
  'kick, ban or unban a member of a public room': (c) =>
    mayModerate(room(), people[c].actor, people[c].standing, member.username, member.standing).success,
  'kick, ban or unban a member of a private room': (c) =>
    mayModerate(
      room({ visibility: 'private' }),
      people[c].actor,
      people[c].standing,
      member.username,
      member.standing,
    ).success,
  'kick, ban or unban a room moderator': (c) =>
    mayModerate(room(), people[c].actor, people[c].standing, moderator.username, moderator.standing).success,
  'kick, ban or unban the owner': (c) =>
    mayModerate(room(), people[c].actor, people[c].standing, 'olga', noStanding).success,
  "set someone's role": (c) => maySetRole(room(), people[c].actor, member.username).success,
};

function readmeTable(): { action: string; cells: Record<Column, boolean> }[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.split('<!-- role-table:start -->')[1]?.split('<!-- role-table:end -->')[0] ?? '';
  const lines = table.trim().split('\n').slice(2);
  return lines.map((line) => {
    const [action = '', ...marks] = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    return {
      action,
      cells: Object.fromEntries(columns.map((column, index) => [column, marks[index] === '✓'])) as Record<
        Column,
        boolean
      >,
    };
  });
}

describe('the README role × action table', () => {
  const table = readmeTable();

  it('covers every rule the tests know, and nothing else', () => {
    expect(table.map((row) => row.action).sort()).toEqual(Object.keys(rows).sort());
  });

  it.each(table.flatMap((row) => columns.map((column) => [row.action, column, row.cells[column]] as const)))(
    '%s — %s: %s',
    (action, column, expected) => {
      expect(rows[action]?.(column)).toBe(expected);
    },
  );
});

describe('room policy edge cases', () => {
  it('refuses moderating oneself, even to an admin', () => {
    const dave = people.admin;
    expect(mayModerate(room(), dave.actor, dave.standing, 'dave', noStanding)).toMatchObject({
      success: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('refuses changing the owner’s role, even by an admin', () => {
    expect(maySetRole(room(), people.admin.actor, 'olga').success).toBe(false);
  });

  it('says when a ban ends, and says nothing of an end for a ban without one', () => {
    const timed = mayJoin(room(), people['other user'].actor, banned(noStanding), NOW);
    const forever = mayJoin(
      room(),
      people['other user'].actor,
      { ...noStanding, bannedUntil: Number.POSITIVE_INFINITY },
      NOW,
    );
    expect(timed).toEqual({
      success: false,
      error: expect.objectContaining({ code: 'BANNED', until: NOW + 60_000 }),
    });
    expect(forever.success).toBe(false);
    expect(forever.success ? undefined : forever.error.until).toBeUndefined();
  });

  it('lets a ban lapse at its end', () => {
    expect(
      mayJoin(room(), people['other user'].actor, { ...noStanding, bannedUntil: NOW }, NOW).success,
    ).toBe(true);
  });
});
