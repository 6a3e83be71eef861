import { describe, expect, it } from 'vitest';
import { loadOriginConfig } from '../../lambdas/config.ts';
import { ConfigurationError } from '../../lambdas/core/errors.ts';
import {
  checkOrigin,
  normaliseOrigin,
  type OriginPolicy,
  parseAllowedOrigins,
} from '../../lambdas/core/origin-policy.ts';

const listed = (origins: string[], allowMissingOrigin = true): OriginPolicy => {
  const parsed = parseAllowedOrigins(origins);
  if (!parsed.success) throw new Error(parsed.error.join('; '));
  return { allowedOrigins: parsed.data, allowMissingOrigin };
};

describe('checkOrigin', () => {
  const policy = listed(['https://chat.example.com', 'http://localhost:5173']);

  it.each([
    ['https://chat.example.com'],
    ['http://localhost:5173'],
    ['HTTPS://CHAT.EXAMPLE.COM'],
    ['https://chat.example.com:443'],
  ])('allows the listed origin %s', (origin) => {
    // Act & Assess
    expect(checkOrigin(policy, [origin])).toEqual({ success: true, data: undefined });
  });

  it.each([
    ['another site', 'https://evil.test'],
    ['a lookalike suffix', 'https://chat.example.com.evil.test'],
    ['a subdomain', 'https://a.chat.example.com'],
    ['another scheme', 'http://chat.example.com'],
    ['another port', 'http://localhost:5174'],
    ['the opaque origin of sandboxed frames', 'null'],
    ['a value that is not an origin', 'chat.example.com'],
    ['an origin with a path', 'https://chat.example.com/app'],
  ])('refuses %s as OriginNotAllowed', (_case, origin) => {
    // Act & Assess
    expect(checkOrigin(policy, [origin])).toEqual({ success: false, error: 'OriginNotAllowed' });
  });

  it('refuses two different Origin headers', () => {
    // Act & Assess
    expect(checkOrigin(policy, ['https://chat.example.com', 'https://evil.test'])).toEqual({
      success: false,
      error: 'OriginNotAllowed',
    });
  });

  it('allows a missing Origin by default and refuses it when configured so', () => {
    // Act & Assess
    expect(checkOrigin(policy, [])).toEqual({ success: true, data: undefined });
    expect(checkOrigin(listed(['https://chat.example.com'], false), [])).toEqual({
      success: false,
      error: 'OriginMissing',
    });
    expect(checkOrigin(listed(['https://chat.example.com'], false), [' '])).toEqual({
      success: false,
      error: 'OriginMissing',
    });
  });

  it('allows every origin when the list is empty or holds *', () => {
    // Act & Assess
    for (const entries of [[], ['*'], ['https://a.test', '*']]) {
      expect(checkOrigin(listed(entries), ['https://evil.test'])).toEqual({ success: true, data: undefined });
      expect(checkOrigin(listed(entries), ['null'])).toEqual({ success: true, data: undefined });
    }
  });

  it('still refuses a missing Origin under any-origin when missing origins are refused', () => {
    // Act & Assess
    expect(checkOrigin(listed([], false), [])).toEqual({ success: false, error: 'OriginMissing' });
  });
});

describe('parseAllowedOrigins', () => {
  it.each([
    ['https://*.example.com', /wildcards are not supported/],
    ['chat.example.com', /scheme:\/\/host\[:port\]/],
    ['https://chat.example.com/app', /no path/],
    ['ftp://chat.example.com', /scheme:\/\/host/],
    ['https://user:pw@chat.example.com', /scheme:\/\/host/],
    ['https://chat.example.com?x=1', /scheme:\/\/host/],
  ])('refuses the entry %s and says what was expected', (entry, message) => {
    // Act
    const parsed = parseAllowedOrigins(['https://ok.test', entry]);

    // Assess
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(parsed.error).toHaveLength(1);
      expect(parsed.error[0]).toMatch(message);
      expect(parsed.error[0]).toContain(entry);
    }
  });

  it('normalises entries as browsers serialise Origin', () => {
    // Act & Assess
    expect(normaliseOrigin('HTTPS://Chat.Example.COM:443/')).toEqual({
      success: true,
      data: 'https://chat.example.com',
    });
    expect(normaliseOrigin('http://[::1]:8080')).toEqual({ success: true, data: 'http://[::1]:8080' });
  });
});

describe('loadOriginConfig', () => {
  it('defaults to any origin and allows a missing Origin', () => {
    // Act & Assess
    expect(loadOriginConfig({})).toEqual({ allowedOrigins: 'any', allowMissingOrigin: true });
    expect(loadOriginConfig({ ALLOWED_ORIGINS: ' , ' })).toEqual({
      allowedOrigins: 'any',
      allowMissingOrigin: true,
    });
  });

  it('reads the list and the missing-origin switch', () => {
    // Act
    const config = loadOriginConfig({
      ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:5173',
      ALLOW_MISSING_ORIGIN: 'false',
    });

    // Assess
    expect(config.allowMissingOrigin).toBe(false);
    expect(config.allowedOrigins).toEqual(new Set(['https://chat.example.com', 'http://localhost:5173']));
  });

  it('lists every problem at once', () => {
    // Act
    let error: unknown;
    try {
      loadOriginConfig({ ALLOWED_ORIGINS: 'https://*.a.test,b.test', ALLOW_MISSING_ORIGIN: 'yes' });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      expect.stringMatching(/^ALLOWED_ORIGINS: wildcards/),
      expect.stringMatching(/^ALLOWED_ORIGINS: an origin must look like .*"b\.test"/),
      'ALLOW_MISSING_ORIGIN must be one of true, false, got "yes"',
    ]);
  });
});
