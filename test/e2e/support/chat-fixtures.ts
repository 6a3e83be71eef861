/**
 * Helpers for the chat end-to-end tests: log in with a password over HTTP and connect a real `ws`
 * client with `?token=`, waiting for the welcome frame.
 */
import type { LocalStack } from '../../../local/local-stack.ts';
import { connectClient } from '../../local/support/test-client.ts';
import { demoPasswords } from './auth-api.ts';
import { eventTimeoutMs } from './eventually.ts';
import type { Session, Welcome } from './harness.ts';

export type { Session, Welcome } from './harness.ts';

export async function login(stack: LocalStack, username: string, password: string): Promise<string> {
  const response = await fetch(`${stack.httpUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 200 || !body.token)
    throw new Error(`login as ${username} answered ${response.status}`);
  return body.token;
}

/** Logs in, connects and waits for the welcome frame. */
export async function connectAs(stack: LocalStack, username: string): Promise<Session> {
  const token = await login(stack, username, demoPasswords[username] as string);
  const client = await connectClient(`${stack.webSocketUrl}?token=${encodeURIComponent(token)}`, {
    timeoutMs: eventTimeoutMs,
  });
  const welcome = await client.nextJson<Welcome>((frame) => frame.type === 'welcome', eventTimeoutMs);
  return { client, welcome };
}
