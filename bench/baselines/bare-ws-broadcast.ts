/**
 * The baseline for the local stack's fan-out: a bare `ws` server, in a process of its own as the stack
 * is, that answers each `sendMessage` by sending the same frame (built by Parley's own frame builders,
 * so the bytes are alike) to every connected client. No authentication, no table, no functions: what
 * delivering the same frames to the same clients costs on this machine with nothing else in the way.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { encodeFrame, messageFrame } from '../../lambdas/core/frames.ts';

export interface BareWsBroadcast {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startBareWsBroadcast(): Promise<BareWsBroadcast> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [port] = (await once(child, 'message')) as [number];
  return {
    url: `ws://127.0.0.1:${port}/bare`,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function serve(): void {
  let sequence = 0;
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    maxPayload: 128 * 1024,
  });
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const request = JSON.parse(String(data)) as { action?: string; room?: string; content?: string };
      if (request.action !== 'sendMessage' || !request.room || request.content === undefined) return;
      const frame = encodeFrame(
        messageFrame(request.room, '', {
          seq: 0,
          id: `bare-${++sequence}`,
          content: request.content,
          userId: 'user-0',
          username: 'alice',
          time: Date.now(),
        }),
      );
      for (const client of server.clients) client.send(frame);
    });
  });
  server.on('listening', () => {
    const address = server.address();
    process.send?.(typeof address === 'object' && address ? address.port : 0);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) serve();
