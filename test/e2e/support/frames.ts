/** Reading server frames and tokens in end-to-end tests. */
import type { TestClient } from '../../local/support/test-client.ts';
import { delay, eventTimeoutMs } from './eventually.ts';

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
  readonly action?: string;
  readonly requestId?: string;
  readonly retryAfter?: number;
  readonly reason?: string;
}

export type Frame = Record<string, unknown> & { readonly type: string };

/** The claims of a JWT, unverified (tests read `exp` of tokens the stack issued). */
export function claimsOf(token: string): Record<string, unknown> & { exp: number; sub: string } {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

export const isoSeconds = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

let sequence = 0;

/** Sends a request with a fresh requestId and resolves with the answer carrying that id. */
export async function request(
  client: TestClient,
  body: Record<string, unknown>,
  timeoutMs = eventTimeoutMs,
): Promise<Frame> {
  const requestId = `r${++sequence}`;
  client.sendJson({ ...body, requestId });
  return client.nextJson<Frame>((frame) => frame.requestId === requestId, timeoutMs);
}

/** Pings and resolves with the pong or error that answers it. */
export const ping = (client: TestClient, timeoutMs = eventTimeoutMs) =>
  request(client, { action: 'ping' }, timeoutMs);

/**
 * Pings every `intervalMs` until an answer satisfies `done`, for a state that a configured time-based
 * policy brings about (a token expiring); fails after `timeoutMs`.
 */
export async function pingUntil(
  client: TestClient,
  done: (answer: Frame) => boolean,
  timeoutMs = eventTimeoutMs,
  intervalMs = 250,
): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await ping(client, timeoutMs);
    if (done(answer)) return answer;
    if (Date.now() > deadline)
      throw new Error(`no matching answer within ${timeoutMs} ms; last: ${JSON.stringify(answer)}`);
    await delay(intervalMs);
  }
}

/** Joins a room and resolves with the `joined` broadcast announcing this user (it carries no requestId). */
export function joinRoom(
  client: TestClient,
  room: string,
  userId: string,
  timeoutMs = eventTimeoutMs,
): Promise<Frame> {
  client.sendJson({ action: 'joinRoom', room });
  return client.nextJson<Frame>(
    (frame) => frame.type === 'joined' && frame.room === room && frame.userId === userId,
    timeoutMs,
  );
}

/**
 * Sends each request and collects one answer per requestId, in whatever order they arrive (the gateway
 * invokes a connection's routes concurrently, as API Gateway does).
 */
export async function requestAll(
  client: TestClient,
  requests: readonly (Record<string, unknown> & { requestId: string })[],
  timeoutMs = eventTimeoutMs,
): Promise<Map<string, Frame>> {
  for (const body of requests) client.sendJson(body);
  const answers = new Map<string, Frame>();
  const pending = new Set(requests.map((body) => body.requestId));
  while (pending.size > 0) {
    const answer = await client.nextJson<Frame>(
      (frame) => typeof frame.requestId === 'string' && pending.has(frame.requestId),
      timeoutMs,
    );
    pending.delete(answer.requestId as string);
    answers.set(answer.requestId as string, answer);
  }
  return answers;
}
