/**
 * The benchmark's WebSocket clients: real `ws` sockets that time their handshake and their welcome,
 * keep a delivery ledger of numbered `message` frames (content `bench:<n>`), and count every frame.
 * Opened at a controlled rate, from rotating loopback source addresses (127.0.0.x) so tens of thousands
 * of connections never run out of ephemeral ports.
 */
import WebSocket from 'ws';
import { DeliveryLedger } from './delivery-ledger.ts';

export interface WelcomeInfo {
  readonly ms: number;
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  readonly tokenExpiresAt: string;
}

export interface BenchClient {
  readonly socket: WebSocket;
  /** Milliseconds from the start of the handshake to the open socket. */
  readonly openMs: number;
  /** Resolves when a `welcome` frame arrives (the local stack sends one; a bare server does not). */
  readonly welcome: Promise<WelcomeInfo>;
  readonly ledger: DeliveryLedger;
  readonly frames: { count: number };
  /** Resolves on the next frame of this `type` (e.g. the `joined` a `joinRoom` brings back). */
  nextFrame(type: string): Promise<void>;
  close(): Promise<void>;
}

const numbered = /^bench:(\d+)$/;

export function benchContent(number: number): string {
  return `bench:${number}`;
}

export async function openClient(url: string, index: number): Promise<BenchClient> {
  const started = performance.now();
  const socket = new WebSocket(url, {
    localAddress: `127.0.0.${1 + (index % 250)}`,
    perMessageDeflate: false,
    // A handshake that never completes fails (and is counted) instead of holding the run forever.
    handshakeTimeout: 120_000,
  });
  // Errors after the handshake settled (a reset under load) must not crash the run: they show as closes.
  socket.on('error', () => undefined);
  const ledger = new DeliveryLedger();
  const frames = { count: 0 };
  const awaited = new Map<string, () => void>();
  let welcomed: (info: WelcomeInfo) => void = () => undefined;
  const welcome = new Promise<WelcomeInfo>((resolve) => {
    welcomed = resolve;
  });
  socket.on('message', (data) => {
    const at = performance.now();
    frames.count++;
    const frame = JSON.parse(String(data)) as {
      type?: string;
      content?: string;
      seq?: number;
      connectionId?: string;
      userId?: string;
      username?: string;
      tokenExpiresAt?: string;
    };
    if (frame.type) {
      awaited.get(frame.type)?.();
      awaited.delete(frame.type);
    }
    if (frame.type === 'message' && frame.content) {
      const match = numbered.exec(frame.content);
      if (match) ledger.record(Number(match[1]), at, typeof frame.seq === 'number' ? frame.seq : undefined);
    } else if (frame.type === 'welcome') {
      welcomed({
        ms: at - started,
        connectionId: String(frame.connectionId),
        userId: String(frame.userId),
        username: String(frame.username),
        tokenExpiresAt: String(frame.tokenExpiresAt),
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`handshake refused with ${response.statusCode}`)),
    );
  });
  const openMs = performance.now() - started;
  return {
    socket,
    openMs,
    welcome,
    ledger,
    frames,
    nextFrame: (type) =>
      new Promise<void>((resolve) => {
        awaited.set(type, resolve);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

export interface OpenedClients {
  readonly clients: BenchClient[];
  readonly failures: number;
  /** The first failure's message, to say why. */
  readonly firstFailure?: string;
  readonly seconds: number;
}

/** Opens `count` clients, starting one every 1/`perSecond` s, and waits for all of them to settle. */
export async function openClientsAtRate(
  url: string,
  count: number,
  perSecond: number,
): Promise<OpenedClients> {
  const started = performance.now();
  const attempts: Promise<BenchClient>[] = [];
  for (let index = 0; index < count; index++) {
    const due = started + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    attempts.push(openClient(url, index));
  }
  const settled = await Promise.allSettled(attempts);
  const clients = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const rejected = settled.find((result) => result.status === 'rejected') as
    | PromiseRejectedResult
    | undefined;
  return {
    clients,
    failures: count - clients.length,
    ...(rejected ? { firstFailure: String((rejected.reason as Error)?.message ?? rejected.reason) } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

export async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}
