import { describe, expect, it } from 'vitest';
import { CLIENT_BUNDLE_BUDGET_GZIP_BYTES, measureClientBundle } from '../../bench/client-bundle.ts';

describe('the client SDK bundle', () => {
  it('stays within 10 KB gzip, minified for the browser', async () => {
    const bundle = await measureClientBundle();
    expect(bundle.gzipBytes).toBeLessThan(CLIENT_BUNDLE_BUDGET_GZIP_BYTES);
  });

  it('uses nothing from Node: no Buffer, process, require or node: modules', async () => {
    const { code } = await measureClientBundle();
    expect(code).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(|["']node:/);
    expect(code).toContain('parley.v1');
  });
});

describe('the minified bundle', () => {
  it('keeps every error’s name, which minifiers would otherwise rename with the class', async () => {
    const { code } = await measureClientBundle();
    const sdk = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
    )) as typeof import('../../client/src/index.ts');

    const names = [
      new sdk.ParleyError('x'),
      new sdk.ConfigurationError('x'),
      new sdk.AuthenticationError('x'),
      new sdk.NetworkError('x'),
      new sdk.RefusedError({ code: 'FORBIDDEN', message: 'x' }),
      new sdk.TimeoutError('x'),
      new sdk.ConnectionLostError('x'),
      new sdk.ClosedError('x'),
      new sdk.ServerClosedError({ type: 'closing', code: 'LOGGED_OUT', reason: 'x', reconnect: false }),
      new sdk.RoomClosedError('general', 'left'),
    ].map((error) => error.name);

    expect(names).toEqual([
      'ParleyError',
      'ConfigurationError',
      'AuthenticationError',
      'NetworkError',
      'RefusedError',
      'TimeoutError',
      'ConnectionLostError',
      'ClosedError',
      'ServerClosedError',
      'RoomClosedError',
    ]);
  });
});
