import { describe, expect, it } from 'vitest';
import { defaultPort, parseCliArguments, usage } from '../../local/cli-options.ts';

describe('npm start options', () => {
  it('defaults to port 8787 in memory', () => {
    // Act / Assess
    expect(parseCliArguments([])).toEqual({
      success: true,
      data: { kind: 'start', options: { port: defaultPort } },
    });
    expect(defaultPort).toBe(8787);
  });

  it('reads --port and --data-dir', () => {
    // Act / Assess
    expect(parseCliArguments(['--port', '0', '--data-dir', '.parley'])).toEqual({
      success: true,
      data: { kind: 'start', options: { port: 0, dataDir: '.parley' } },
    });
  });

  it.each([
    [['--port', 'eighty'], /--port must be an integer from 0 to 65535, got "eighty"/],
    [['--port', '70000'], /--port must be an integer/],
    [['--colour'], /Unknown option '--colour'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('refuses %j', (args, message) => {
    // Act
    const result = parseCliArguments(args);

    // Assess
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error).toMatch(message);
  });

  it('answers --help with a usage text that lists every option', () => {
    // Act / Assess
    expect(parseCliArguments(['--help'])).toEqual({ success: true, data: { kind: 'help' } });
    expect(usage()).toMatch(/--port N[\s\S]*--data-dir DIR[\s\S]*--help/);
  });
});
