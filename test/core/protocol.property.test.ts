import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ACTIONS,
  type ClientRequest,
  CONTROL_CHARACTERS,
  parseClientFrame,
} from '../../lambdas/core/protocol.ts';
import { ROOM_NAME_PATTERN } from '../../lambdas/core/room-name.ts';

const roomName = fc.stringMatching(ROOM_NAME_PATTERN);
const content = fc
  .string({ minLength: 1, maxLength: 200, unit: 'grapheme' })
  .filter((text) => text.trim().length > 0 && !CONTROL_CHARACTERS.test(text));
const requestId = fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined });

const validRequest: fc.Arbitrary<ClientRequest> = fc.oneof(
  fc.record(
    { action: fc.constant('joinRoom' as const), room: roomName, requestId },
    { requiredKeys: ['action', 'room'] },
  ),
  fc.record(
    { action: fc.constant('leaveRoom' as const), room: roomName, requestId },
    { requiredKeys: ['action', 'room'] },
  ),
  fc.record(
    { action: fc.constant('sendMessage' as const), room: roomName, content, requestId },
    { requiredKeys: ['action', 'room', 'content'] },
  ),
  fc.record({ action: fc.constant('ping' as const), requestId }, { requiredKeys: ['action'] }),
);

const withoutUndefined = (request: ClientRequest) => JSON.parse(JSON.stringify(request));

describe('protocol parser properties', () => {
  it('round-trips every valid request', () => {
    fc.assert(
      fc.property(validRequest, (request) => {
        const result = parseClientFrame(JSON.stringify(request));
        expect(result).toEqual({
          success: true,
          data: { kind: 'request', request: withoutUndefined(request) },
        });
      }),
    );
  });

  it('rejects every unknown action', () => {
    fc.assert(
      fc.property(
        fc.string().filter((action) => !(CLIENT_ACTIONS as string[]).includes(action)),
        (action) => {
          const result = parseClientFrame(JSON.stringify({ action }));
          expect(result).toMatchObject({ success: false, error: { code: 'UNKNOWN_ACTION' } });
        },
      ),
    );
  });

  it('rejects every extra field, whatever its name or value', () => {
    fc.assert(
      fc.property(
        validRequest,
        fc
          .string({ minLength: 1 })
          .filter((key) => !['action', 'room', 'content', 'requestId', '__proto__'].includes(key)),
        fc.jsonValue(),
        (request, key, value) => {
          const result = parseClientFrame(JSON.stringify({ ...request, [key]: value }));
          expect(result.success).toBe(false);
        },
      ),
    );
  });

  it('accepts only room names that match the documented pattern', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (room) => {
        const result = parseClientFrame(JSON.stringify({ action: 'joinRoom', room }));
        expect(result.success).toBe(ROOM_NAME_PATTERN.test(room));
      }),
    );
  });

  it('never throws, whatever the frame', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        (body) => {
          const result = parseClientFrame(body);
          expect(typeof result.success).toBe('boolean');
        },
      ),
    );
  });

  it('answers any JSON that is not a valid request with a typed error, never as text', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((value) => typeof value === 'object' && value !== null),
        (value) => {
          const result = parseClientFrame(JSON.stringify(value));
          if (!result.success) expect(result.error.code).toMatch(/^[A-Z_]+$/);
          else expect(result.data.kind).toBe('request');
        },
      ),
    );
  });
});
