import { describe, expect, it } from 'vitest';
import { compared, figure, meetsGoal } from '../../bench/entry.ts';
import { formatGoal, formatNumber, formatRatio, formatTable } from '../../bench/table.ts';

describe('formatNumber', () => {
  it.each([
    [1234.5, '1,235'],
    [12.34, '12.3'],
    [1.234, '1.23'],
    [0.1234, '0.123'],
    [42, '42'],
    [10_000, '10,000'],
    [Number.NaN, '–'],
  ])('writes %d as %s', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });
});

describe('formatRatio', () => {
  it.each([
    [1.014, '1.01×'],
    [21.84, '21.8×'],
    [123.4, '123×'],
    [undefined, ''],
  ])('writes %s as "%s"', (ratio, expected) => {
    expect(formatRatio(ratio)).toBe(expected);
  });
});

describe('goals', () => {
  it('computes the ratio once, from value and baseline', () => {
    expect(compared('s', 'n', 6, 4, 'ms').ratio).toBe(1.5);
    expect(compared('s', 'n', 6, 0, 'ms').ratio).toBeUndefined();
  });

  it('meets an at-most goal at or below it and an at-least goal at or above it', () => {
    const atMost = { comparison: 'at-most', ratio: 1.2 } as const;
    const atLeast = { comparison: 'at-least', ratio: 0.7 } as const;
    expect(meetsGoal(compared('s', 'n', 12, 10, 'ms', { goal: atMost }))).toBe(true);
    expect(meetsGoal(compared('s', 'n', 13, 10, 'ms', { goal: atMost }))).toBe(false);
    expect(meetsGoal(compared('s', 'n', 7, 10, '/s', { goal: atLeast }))).toBe(true);
    expect(meetsGoal(compared('s', 'n', 6, 10, '/s', { goal: atLeast }))).toBe(false);
    expect(meetsGoal(figure('s', 'n', 6, '/s'))).toBeUndefined();
    expect(formatGoal(compared('s', 'n', 6, 10, '/s', { goal: atLeast }))).toBe('≥ 0.7 NOT met');
    expect(formatGoal(compared('s', 'n', 11, 10, 'ms', { goal: atMost }))).toBe('≤ 1.2 met');
  });
});

describe('formatTable', () => {
  it('prints a header, each section once before its rows, baselines, ratios and delivery counts', () => {
    // Prepare
    const entries = [
      compared('1. Broadcast', 'broadcast to 1,000', 847, 841, 'ms', {
        goal: { comparison: 'at-most', ratio: 1.2 },
        deliveries: { lost: 0, duplicated: 1, outOfOrder: 2 },
        note: '10 ms per post',
      }),
      figure('1. Broadcast', 'posts in flight', 32, 'posts'),
      figure('5. Connections', 'held', 1000, 'connections'),
    ];
    // Act
    const lines = formatTable(entries).split('\n');
    // Assess
    expect(lines[0]).toMatch(/^figure\s+value\s+baseline\s+ratio\s+goal\s+lost\/dup\/ooo\s+note$/);
    expect(lines[2]).toBe('1. Broadcast');
    expect(lines[3]).toMatch(
      /^broadcast to 1,000\s+847 ms\s+841 ms\s+1\.01×\s+≤ 1\.2 met\s+0\/1\/2\s+10 ms per post$/,
    );
    expect(lines[4]).toMatch(/^posts in flight\s+32 posts$/);
    expect(lines[5]).toBe('5. Connections');
    expect(lines[6]).toMatch(/^held\s+1,000 connections$/);
    expect(lines).toHaveLength(7);
  });

  it('leaves out figures meant for the JSON report only', () => {
    const text = formatTable([
      figure('6b. Sizes', 'bundle connect', 20, 'KB'),
      figure('6b. Sizes', 'configured memory connect', 256, 'MB', { jsonOnly: true }),
    ]);
    expect(text).toContain('bundle connect');
    expect(text).not.toContain('configured memory');
  });
});
