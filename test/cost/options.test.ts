import { describe, expect, it } from 'vitest';
import { defaultAssumptions } from '../../cost/model.ts';
import { DEFAULT_REPORT, parseCostOptions } from '../../cost/options.ts';

describe('parseCostOptions', () => {
  it('reads the workload and keeps the default assumptions', () => {
    expect(
      parseCostOptions([
        '--connections',
        '100',
        '--rooms',
        '2',
        '--room-size',
        '50',
        '--messages-per-minute',
        '3',
      ]),
    ).toEqual({
      workload: { connections: 100, rooms: 2, roomSize: 50, messagesPerMinute: 3 },
      assumptions: { ...defaultAssumptions, durationMs: {} },
      report: DEFAULT_REPORT,
    });
  });

  it('starts from a named workload that flags override, and reads assumptions', () => {
    const options = parseCostOptions([
      '--workload',
      'community',
      '--rooms',
      '400',
      '--message-bytes',
      '1000',
      '--duration',
      'sendMessage=80',
      '--report',
      'x.json',
    ]);
    expect(options.workload).toEqual({
      connections: 10_000,
      rooms: 400,
      roomSize: 50,
      messagesPerMinute: 60,
    });
    expect(options.workloadName).toBe('community');
    expect(options.assumptions.messageBytes).toBe(1000);
    expect(options.assumptions.durationMs).toEqual({ sendMessage: 80 });
    expect(options.report).toBe('x.json');
  });

  it.each([
    [['--connections', '10'], 'the workload needs --rooms, --room-size, --messages-per-minute'],
    [['--connections', 'many'], '--connections must be a number of 0 or more, got "many"'],
    [['--connections', '-1'], '--connections must be a number of 0 or more, got "-1"'],
    [['--workload', 'huge'], '--workload must be one of small-team, community, broadcast, got "huge"'],
    [['--duration', 'sendMessage'], '--duration takes FUNCTION=MS, got "sendMessage"'],
    [['--price', '1'], 'unknown flag "--price"'],
    [['--membership-notices', 'no'], '--membership-notices must be true or false, got "no"'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCostOptions(argv)).toThrow(message);
  });
});
