/**
 * The baseline for the broadcast: N bare SDK `PostToConnectionCommand` calls with at most `concurrency`
 * in flight, and nothing else — no member list, no outcome bookkeeping, no cleanup.
 */
import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';

export async function postToEveryConnection(
  client: ApiGatewayManagementApiClient,
  connectionIds: readonly string[],
  data: Uint8Array,
  concurrency: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < connectionIds.length) {
      const id = connectionIds[next++] as string;
      await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, connectionIds.length) }, worker));
}
