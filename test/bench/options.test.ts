import { describe, expect, it } from 'vitest';
import { benchmarkNames, parseBenchOptions } from '../../bench/options.ts';

describe('parseBenchOptions', () => {
  it('runs everything, fully, by default', () => {
    expect(parseBenchOptions([])).toEqual({ quick: false, only: [...benchmarkNames] });
  });

  it('reads --quick, --json, --svg and --only', () => {
    expect(
      parseBenchOptions(['--quick', '--json', 'a.json', '--svg', 'a.svg', '--only', 'verify,capacity']),
    ).toEqual({ quick: true, json: 'a.json', svg: 'a.svg', only: ['verify', 'capacity'] });
  });

  it.each([
    [['--json'], '--json needs a value'],
    [['--json', '--quick'], '--json needs a value'],
    [['--only', 'verify,nope'], 'got "nope"'],
    [['--fast'], 'unknown flag "--fast"'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });
});
