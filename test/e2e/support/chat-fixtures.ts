/**
 * Helpers for end-to-end tests against the real local stack: log in over HTTP, connect real `ws`
 * clients, read DynamoDB Local directly, and wait for conditions with a deadline.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../lambdas/adapters/table-layout.ts';
import { localCredentials } from '../../../local/dynamodb/dynamodb-local.ts';
import type { LocalStack } from '../../../local/local-stack.ts';
import { connectClient, type TestClient } from '../../local/support/test-client.ts';

export interface Welcome {
  readonly type: 'welcome';
  readonly connectionId: string;
  readonly userId: string;
  readonly username: string;
  readonly groups: string[];
}

export interface Session {
  readonly client: TestClient;
  readonly welcome: Welcome;
}

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

export const demoPasswords: Record<string, string> = {
  alice: 'password1',
  bob: 'password2',
  carol: 'password3',
  dave: 'password4',
};

/** Logs in, connects and waits for the welcome frame. */
export async function connectAs(stack: LocalStack, username: string): Promise<Session> {
  const token = await login(stack, username, demoPasswords[username] as string);
  const client = await connectClient(`${stack.webSocketUrl}?token=${encodeURIComponent(token)}`);
  const welcome = await client.nextJson<Welcome>((frame) => frame.type === 'welcome');
  return { client, welcome };
}

export function tableReader(stack: LocalStack) {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: stack.region,
      credentials: localCredentials,
    }),
  );
  const TableName = stack.tableName;
  return {
    connection: async (connectionId: string) =>
      (await documents.send(new GetCommand({ TableName, Key: keys.connection(connectionId) }))).Item,
    /** The room's membership items (pk = ROOM#<room>). */
    members: async (room: string) =>
      (
        await documents.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.roomPartition(room) },
          }),
        )
      ).Items ?? [],
    /** Every connection item; a test-only Scan to prove that nothing was written. */
    allConnections: async () =>
      (
        await documents.send(
          new ScanCommand({
            TableName,
            FilterExpression: 'sk = :sk',
            ExpressionAttributeValues: { ':sk': keys.connectionSortKey },
          }),
        )
      ).Items ?? [],
    destroy: () => documents.destroy(),
  };
}

/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
