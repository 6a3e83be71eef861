import { describe, expect, it } from 'vitest';
import { createRouteSelector } from '../../../local/gateway/route-selection.ts';

describe('route selection', () => {
  const select = createRouteSelector('$request.body.action', [
    '$connect',
    '$disconnect',
    '$default',
    'joinRoom',
  ]);

  it.each([
    ['{"action":"joinRoom"}', 'joinRoom'],
    ['{"action":"leave"}', '$default'],
    ['{"action":"$connect"}', '$default'],
    ['[1,2]', '$default'],
    ['"joinRoom"', '$default'],
    ['hello', '$default'],
    [undefined, '$default'],
  ])('routes %s to %s', (body, expected) => {
    // Act / Assess
    expect(select(body)).toBe(expected);
  });

  it('follows nested paths', () => {
    // Prepare
    const nested = createRouteSelector('$request.body.meta.kind', ['ping']);

    // Act / Assess
    expect(nested('{"meta":{"kind":"ping"}}')).toBe('ping');
    expect(nested('{"meta":"ping"}')).toBeUndefined();
  });

  it('has nowhere to send an unmatched message without $default', () => {
    // Act / Assess
    expect(createRouteSelector('$request.body.action', ['joinRoom'])('{"action":"x"}')).toBeUndefined();
  });

  it('refuses expressions it cannot evaluate', () => {
    // Act / Assess
    expect(() => createRouteSelector('$request.header.action', [])).toThrow(/\$request\.body/);
  });
});
