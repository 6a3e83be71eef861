import { describe, expect, it } from 'vitest';
import type { JsonEntry } from '../../bench/json-report.ts';
import { interpolate, MissingFigureError, profileFromReport } from '../../cost/measured-profile.ts';

describe('interpolate', () => {
  const points = [
    [10, 1.5],
    [100, 3],
    [1000, 20],
  ] as const;

  it.each([
    [10, 1.5],
    [55, 2.25],
    [100, 3],
    [550, 11.5],
    [10_000, 190],
    [1, 1.35],
  ])('gives %d → %d, extending the end segments', (x, expected) => {
    expect(interpolate(points, x)).toBeCloseTo(expected);
  });

  it('never goes below zero and takes a single point as constant', () => {
    expect(
      interpolate(
        [
          [10, 5],
          [20, 1],
        ],
        100,
      ),
    ).toBe(0);
    expect(interpolate([[10, 7]], 1000)).toBe(7);
  });
});

describe('profileFromReport', () => {
  it('names the figure a report lacks and how to produce it', () => {
    const entries: JsonEntry[] = [{ name: 'RRU per $connect (cap)', value: 0, unit: 'RRU', section: '3a' }];
    expect(() => profileFromReport(entries, 'docs/bench.json')).toThrow(MissingFigureError);
    expect(() => profileFromReport(entries, 'docs/bench.json')).toThrow(
      'the figure "WRU per $connect (cap)" is not in docs/bench.json; run npm run bench -- --json docs/bench.json first',
    );
  });
});

describe('the checked-in report (docs/bench.json)', () => {
  it('has every figure the cost model reads', async () => {
    const { readJsonReport } = await import('../../bench/json-report.ts');
    const profile = profileFromReport(readJsonReport('docs/bench.json'), 'docs/bench.json');
    expect(profile.messages.map((point) => point.roomSize)).toEqual(expect.arrayContaining([10, 100, 1000]));
    expect(Object.keys(profile.connection)).toEqual(expect.arrayContaining(['authorizer', 'connect']));
    expect(profile.memoryMb.sendMessage).toBe(512);
  });
});
