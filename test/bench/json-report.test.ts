import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compared, figure } from '../../bench/entry.ts';
import { readJsonReport, toJsonEntries, writeJsonReport } from '../../bench/json-report.ts';

describe('the JSON report', () => {
  it('writes name, value and unit, and baseline and ratio only for figures measured against one', () => {
    const entries = toJsonEntries([
      compared('1. S', 'broadcast', 847.1234, 841.5678, 'ms', {
        goal: { comparison: 'at-most', ratio: 1.2 },
      }),
      figure('5. S', 'held', 1000, 'connections'),
    ]);
    expect(entries).toEqual([
      {
        name: 'broadcast',
        value: 847.1,
        unit: 'ms',
        baseline: 841.6,
        ratio: 1.007,
        section: '1. S',
        goal: { comparison: 'at-most', ratio: 1.2 },
      },
      { name: 'held', value: 1000, unit: 'connections', section: '5. S' },
    ]);
  });

  it('reads back what it wrote', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parley-json-')), 'nested', 'bench.json');
    writeJsonReport(file, [figure('3a. S', 'WRU per joinRoom', 4, 'WRU', { note: 'transaction' })]);
    expect(readJsonReport(file)).toEqual([
      { name: 'WRU per joinRoom', value: 4, unit: 'WRU', section: '3a. S', note: 'transaction' },
    ]);
  });

  it.each([
    ['{}', 'must hold a JSON array of bench entries'],
    [
      '[{"name":"x","value":"1","unit":"ms"}]',
      '[0] must have a string name, a number value and a string unit',
    ],
  ])('refuses %s', (text, message) => {
    const file = join(mkdtempSync(join(tmpdir(), 'parley-json-')), 'bad.json');
    writeFileSync(file, text);
    expect(() => readJsonReport(file)).toThrow(message);
  });
});
