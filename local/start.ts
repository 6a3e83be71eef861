/**
 * `npm start`: runs the local stack until SIGINT or SIGTERM, then stops everything, DynamoDB Local's
 * Java process included, and exits 0.
 */
import { parseCliArguments, usage } from './cli-options.ts';
import { demoUsers } from './identity/user-directory.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { createLocalLogger, describeError } from './logger.ts';

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
let stack: LocalStack | undefined;
let stopping = false;

const shutdown = async (signal: string) => {
  if (stopping) {
    // A second Ctrl+C does not wait; the exit hook still kills DynamoDB Local's Java process.
    process.exit(1);
  }
  stopping = true;
  logger.info(`${signal}: stopping`);
  await stack?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  stack = await startLocalStack({ ...command.data.options, logger });
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
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
