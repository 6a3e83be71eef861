/**
 * `npm start`: runs the local stack until SIGINT, SIGTERM or SIGHUP, then stops it gracefully — every
 * connection gets `closing SERVER_RESTART` and is closed while DynamoDB Local still runs, so
 * `$disconnect` removes its rows and its rooms hear `left` — and exits 0.
 *
 * Signals: Ctrl+C in a terminal signals the whole foreground process group, and `npm` forwards its own
 * copy, so a single Ctrl+C under `npm start` delivers two; the second is expected and ignored. A third
 * means impatience: the process exits at once (130). DynamoDB Local then stops on its own (it is
 * tethered to this process), the data directory's lock is left to be taken over, and connections still
 * in the table are removed at the next start.
 *
 * Output may go to a pipe whose reader is gone (`npm start | tee log`: Ctrl+C ends `tee` as well) or
 * to a terminal that was closed; a log line with nowhere to go is dropped rather than crashing the stop.
 */
import { parseCliArguments, usage } from './cli-options.ts';
import { demoUsers } from './identity/user-directory.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { createLocalLogger, describeError } from './logger.ts';

for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const command = parseCliArguments(process.argv.slice(2));
if (!command.success) {
  process.stderr.write(`${command.error}\n\n${usage()}\n`);
  process.exit(2);
}
if (command.data.kind === 'help') {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}

const logger = createLocalLogger('info');
const starting = startLocalStack({ ...command.data.options, logger });
let signals = 0;

const stop = async () => {
  // A signal during start-up waits for the start to finish, then stops what it started.
  const stack = await starting.catch(() => undefined);
  await stack?.stop();
  process.exit(0);
};
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals === 1) {
    logger.info(`${signal}: stopping (closing connections, then DynamoDB Local)`);
    void stop();
  } else if (signals === 2) {
    logger.info(`${signal} again: still stopping; a third signal exits at once`);
  } else {
    logger.warn(
      `${signal}: exiting without waiting; connections still in the table are removed at the next start`,
    );
    process.exit(130);
  }
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

let stack: LocalStack;
try {
  stack = await starting;
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'EADDRINUSE'
      ? `port ${command.data.options.port} is in use; pass --port N, or --port 0 for a free one`
      : describeError(error);
  process.stderr.write(`Could not start the local stack: ${message}\n`);
  process.exit(1);
}

process.stdout.write(banner(stack));

function banner(local: LocalStack): string {
  const width = Math.max(...demoUsers.map((user) => user.username.length));
  const users = demoUsers.map(
    (user) =>
      `  ${user.username.padEnd(width)} / ${user.password}${user.groups.length > 0 ? `  (${user.groups.join(', ')})` : ''}`,
  );
  return [
    '',
    `HTTP API: ${local.httpUrl}`,
    `WebSocket: ${local.webSocketUrl}`,
    '',
    'Demo users (username / password):',
    ...users,
    '',
    'Try it:',
    `  TOKEN=$(curl -s -X POST ${local.httpUrl}/login -d username=alice -d password=password1 | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')`,
    `  npx wscat -c "${local.webSocketUrl}?token=$TOKEN"`,
    '  # or keep the token out of the URL with a one-time ticket (valid about 30 s):',
    `  TICKET=$(curl -s -X POST ${local.httpUrl}/ticket -H "Authorization: Bearer $TOKEN" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).ticket')`,
    `  npx wscat -c "${local.webSocketUrl}?ticket=$TICKET"`,
    '  > {"action":"joinRoom","room":"general"}',
    '  > {"action":"sendMessage","room":"general","content":"Hello, room!"}',
    '  > Hello, server!',
    '',
    `Press Ctrl+C to stop (or kill -INT ${process.pid}).`,
    '',
  ].join('\n');
}
