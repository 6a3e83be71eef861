import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotificationRequest } from '../../lambdas/core/notification-request.ts';

describe('parseNotificationRequest', () => {
  it.each([
    [
      { to: { user: 'bob' }, content: 'hi' },
      { to: { kind: 'user', username: 'bob' }, content: 'hi' },
    ],
    [
      { to: { room: 'general' }, content: 'hi' },
      { to: { kind: 'room', room: 'general' }, content: 'hi' },
    ],
    [
      { to: { everyone: true }, content: 'hi' },
      { to: { kind: 'everyone' }, content: 'hi' },
    ],
    [
      { to: { user: 'Zoë.O’Brien' }, content: 'hi' },
      { to: { kind: 'user', username: 'Zoë.O’Brien' }, content: 'hi' },
    ],
  ])('reads the target of %j', (body, expected) => {
    // Act
    const parsed = parseNotificationRequest(body);

    // Assess
    expect(parsed).toEqual({ success: true, data: expected });
  });

  it('trims the title, keeps the content as sent, and passes data through, null included', () => {
    // Act
    const parsed = parseNotificationRequest({
      to: { user: 'bob' },
      title: '  Maintenance  ',
      content: '  line one\n\tline two  ',
      data: null,
    });

    // Assess
    expect(parsed).toEqual({
      success: true,
      data: {
        to: { kind: 'user', username: 'bob' },
        title: 'Maintenance',
        content: '  line one\n\tline two  ',
        data: null,
      },
    });
  });

  it('leaves data out when the body has none', () => {
    // Act
    const parsed = parseNotificationRequest({ to: { user: 'bob' }, content: 'hi' });

    // Assess
    expect(parsed.success && Object.hasOwn(parsed.data, 'data')).toBe(false);
  });

  it.each([
    ['content of exactly 8,192 bytes', { content: 'a'.repeat(8192) }],
    ['content of 2,730 three-byte characters (8,190 bytes)', { content: '€'.repeat(2730) }],
    ['a title of exactly 100 characters', { title: 't'.repeat(100) }],
    ['data of exactly 4,096 bytes as JSON', { data: 'd'.repeat(4094) }],
    ['nested data', { data: { a: [1, { b: null, c: true }], d: 'é' } }],
  ])('accepts %s', (_case, fields) => {
    // Act
    const parsed = parseNotificationRequest({ to: { everyone: true }, content: 'x', ...fields });

    // Assess
    expect(parsed.success).toBe(true);
  });

  it('refuses every body that carries a field it does not define', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((name) => !['to', 'title', 'content', 'data'].includes(name)),
        fc.jsonValue(),
        (name, value) => {
          // Act
          const parsed = parseNotificationRequest({ to: { user: 'bob' }, content: 'hi', [name]: value });

          // Assess
          expect(parsed.success).toBe(false);
        },
      ),
    );
  });

  it('refuses every target that is not exactly one of user, room or everyone', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('user', 'room', 'everyone', 'group', 'users'), fc.jsonValue()),
        (to) => {
          // Prepare
          const keys = Object.keys(to);
          const wellFormed =
            keys.length === 1 &&
            ((keys[0] === 'user' && typeof to.user === 'string' && /^\S{1,128}$/u.test(to.user)) ||
              (keys[0] === 'room' &&
                typeof to.room === 'string' &&
                /^[a-z0-9][a-z0-9_-]{0,63}$/.test(to.room)) ||
              (keys[0] === 'everyone' && to.everyone === true));

          // Act
          const parsed = parseNotificationRequest({ to, content: 'hi' });

          // Assess
          if (!wellFormed) expect(parsed.success).toBe(false);
        },
      ),
    );
  });
});
