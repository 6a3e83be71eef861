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

  it('sizes the fan-out and connections benchmarks', () => {
    expect(parseBenchOptions(['--room-sizes', '10,10000', '--connections', '19000'])).toMatchObject({
      roomSizes: [10, 10_000],
      connections: 19_000,
    });
  });

  it.each([
    [['--json'], '--json needs a value'],
    [['--json', '--quick'], '--json needs a value'],
    [['--only', 'verify,nope'], 'got "nope"'],
    [['--fast'], 'unknown flag "--fast"'],
    [['--room-sizes', '10,x'], '--room-sizes takes whole numbers of 1 or more, got "x"'],
    [['--connections', '0'], '--connections takes whole numbers of 1 or more, got "0"'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });
});
