import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliOptions, defaultPort, parseCliArguments, usage } from '../../local/cli-options.ts';

/** Any existing file will do: the key itself is read (and checked) by the identity provider. */
const existingFile = fileURLToPath(import.meta.url);

describe('npm start options for authentication', () => {
  it('reads --users, --allow-query-token and --tokens-in-body', () => {
    // Act
    const result = parseCliArguments([
      '--users',
      existingFile,
      '--allow-query-token',
      'false',
      '--tokens-in-body',
      'false',
    ]);

    // Assess
    expect(result).toEqual({
      success: true,
      data: {
        kind: 'start',
        options: {
          port: defaultPort,
          identity: { usersFile: existingFile },
          policies: { allowQueryToken: false, tokensInBody: false },
        },
      },
    });
  });

  it.each([
    [
      ['--users', '/no/such/users.json'],
      '--users must name an existing users file, got "/no/such/users.json"',
    ],
    [['--allow-query-token', 'no'], '--allow-query-token must be true or false, got "no"'],
    [['--tokens-in-body', '0'], '--tokens-in-body must be true or false, got "0"'],
  ])('refuses %j with a message naming the flag', (args, message) => {
    // Act / Assess
    expect(parseCliArguments(args)).toEqual({ success: false, error: message });
  });
});

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

  it('reads the token, cap, rate, origin and sweep options into the stack options', () => {
    // Act
    const result = parseCliArguments([
      '--token-ttl',
      '120',
      '--signing-key',
      existingFile,
      '--max-connections-per-user',
      '3',
      '--rate-limit',
      '4',
      '--allowed-origins',
      'http://localhost:5173, https://chat.example.com',
      '--allow-missing-origin',
      'false',
      '--sweep-interval',
      '5',
    ]);

    // Assess
    expect(result).toEqual({
      success: true,
      data: {
        kind: 'start',
        options: {
          port: defaultPort,
          identity: { tokenTtlSeconds: 120, signingKeyFile: existingFile },
          policies: {
            maxConnectionsPerUser: 3,
            rateLimit: { perSecond: 4 },
            allowedOrigins: ['http://localhost:5173', 'https://chat.example.com'],
            allowMissingOrigin: false,
          },
          scheduleIntervalSeconds: { sweeper: 5 },
        },
      },
    });
  });

  it.each([
    [['--rate-limit', '0'], { rateLimit: { perSecond: 0 } }],
    [['--rate-limit', '5', '--rate-burst', '7'], { rateLimit: { perSecond: 5, burst: 7 } }],
    [['--max-connections-per-user', '0'], { maxConnectionsPerUser: 0 }],
    [['--allowed-origins', '*'], { allowedOrigins: ['*'] }],
  ])('reads %j', (args, policies) => {
    // Act / Assess
    expect(parseCliArguments(args)).toMatchObject({ success: true, data: { options: { policies } } });
  });

  it.each([
    [['--port', 'eighty'], /--port must be an integer from 0 to 65535, got "eighty"/],
    [['--token-ttl', '0'], /--token-ttl must be an integer from 1 to 86400, got "0"/],
    [
      ['--signing-key', '/nowhere/key.pem'],
      /--signing-key must name an existing PEM file, got "\/nowhere\/key.pem"/,
    ],
    [
      ['--max-connections-per-user=-1'],
      /--max-connections-per-user must be an integer from 0 to 1000, got "-1"/,
    ],
    [['--rate-limit', '1.5'], /--rate-limit must be an integer from 0 to 10000, got "1.5"/],
    [['--rate-burst', '0'], /--rate-burst must be an integer from 1 to 100000/],
    [
      ['--allowed-origins', 'localhost:5173'],
      /--allowed-origins: .*scheme:\/\/host\[:port\].*got "localhost:5173"/,
    ],
    [['--allowed-origins', 'https://chat.example.com/path'], /--allowed-origins: .*no path/],
    [['--allowed-origins', ' , '], /--allowed-origins must list at least one origin/],
    [['--allow-missing-origin', 'yes'], /--allow-missing-origin must be true or false, got "yes"/],
    [['--sweep-interval', '0'], /--sweep-interval must be an integer from 1 to 86400/],
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
    for (const option of cliOptions) expect(usage()).toContain(`--${option.name}`);
    expect(cliOptions.map((option) => option.name)).toEqual(
      expect.arrayContaining([
        'token-ttl',
        'signing-key',
        'max-connections-per-user',
        'rate-limit',
        'rate-burst',
        'allowed-origins',
        'allow-missing-origin',
        'sweep-interval',
      ]),
    );
  });
});
