/**
 * Fan-out on the local stack: N real WebSocket clients in one room, one sender, and the time from send
 * to the last member's receipt, over several rounds. Also the handshake-to-welcome latency. The figures
 * are for the local emulator on this machine (handlers in-process, DynamoDB Local on Java): they show
 * how the broadcast code scales with room size, not what API Gateway and Lambda will do.
 */
import WebSocket from 'ws';
import { startLocalStack } from '../local/local-stack.ts';
import { silentLogger } from '../local/logger.ts';

const ROOM_SIZES = [10, 100, 250];
const ROUNDS = 10;
const CONNECT_BATCH = 25;

interface Member {
  readonly socket: WebSocket;
  readonly welcomeMs: number;
  /** Resolves when a `message` frame with this content arrives. */
  receipt(content: string): Promise<number>;
}

async function connectMember(url: string): Promise<Member> {
  const waiting = new Map<string, (at: number) => void>();
  const arrived = new Map<string, number>();
  const started = performance.now();
  const socket = new WebSocket(url);
  const welcomeMs = await new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; content?: string };
      if (frame.type === 'welcome') resolve(performance.now() - started);
      if (frame.type === 'message' && frame.content !== undefined) {
        const at = performance.now();
        arrived.set(frame.content, at);
        waiting.get(frame.content)?.(at);
      }
    });
  });
  return {
    socket,
    welcomeMs,
    receipt: (content) =>
      new Promise((resolve) => {
        const at = arrived.get(content);
        if (at !== undefined) resolve(at);
        else waiting.set(content, resolve);
      }),
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export async function measureFanOut(): Promise<string[]> {
  const stack = await startLocalStack({
    port: 0,
    logger: silentLogger,
    policies: { maxConnectionsPerUser: 0, rateLimit: { perSecond: 0 } },
  });
  const lines: string[] = [];
  try {
    const login = await fetch(`${stack.httpUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'password1' }),
    });
    const { token } = (await login.json()) as { token: string };
    const url = `${stack.webSocketUrl}?token=${encodeURIComponent(token)}`;
    lines.push('room size   welcome p50   join all (s)   send→last p50   send→last p95   send→last max');
    for (const size of ROOM_SIZES) {
      const members: Member[] = [];
      while (members.length < size) {
        const batch = Math.min(CONNECT_BATCH, size - members.length);
        members.push(...(await Promise.all(Array.from({ length: batch }, () => connectMember(url)))));
      }
      const room = `fanout-${size}`;
      const joinStarted = performance.now();
      for (const member of members) {
        member.socket.send(JSON.stringify({ action: 'joinRoom', room }));
      }
      // Every member has joined once the last joiner's own `joined` frame has been broadcast.
      await Promise.all(
        members.map(
          (member) =>
            new Promise<void>((resolve) => {
              member.socket.on('message', (data) => {
                const frame = JSON.parse(String(data)) as { type: string; room?: string };
                if (frame.type === 'joined' && frame.room === room) resolve();
              });
            }),
        ),
      );
      const joinSeconds = (performance.now() - joinStarted) / 1000;
      const samples: number[] = [];
      const sender = members[0] as Member;
      for (let round = 0; round < ROUNDS; round++) {
        const content = `${room}-round-${round}`;
        const receipts = members.map((member) => member.receipt(content));
        const sent = performance.now();
        sender.socket.send(JSON.stringify({ action: 'sendMessage', room, content }));
        const arrivals = await Promise.all(receipts);
        samples.push(Math.max(...arrivals) - sent);
      }
      const welcome = percentile(
        members.map((member) => member.welcomeMs),
        50,
      );
      lines.push(
        `${String(size).padStart(9)}   ${welcome.toFixed(0).padStart(8)} ms   ${joinSeconds.toFixed(2).padStart(12)}   ${percentile(samples, 50).toFixed(1).padStart(10)} ms   ${percentile(samples, 95).toFixed(1).padStart(10)} ms   ${Math.max(
          ...samples,
        )
          .toFixed(1)
          .padStart(10)} ms`,
      );
      await Promise.all(
        members.map(
          (member) =>
            new Promise<void>((resolve) => {
              member.socket.once('close', () => resolve());
              member.socket.close();
            }),
        ),
      );
    }
  } finally {
    await stack.stop();
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The handlers log one JSON line per connection; keep the benchmark's own output readable.
  const print = console.log.bind(console);
  console.log = () => undefined;
  print((await measureFanOut()).join('\n'));
}
