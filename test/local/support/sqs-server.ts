/**
 * The local SQS emulator on a real HTTP server on a free port, as it sits in the gateway server's
 * fallback chain (anything it does not serve gets API Gateway's 404), and an SDK client for it with
 * fake credentials, built the way a handler builds its own.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createLocalQueues,
  type LocalQueues,
  type LocalQueuesProps,
} from '../../../local/sqs/local-queues.ts';

export const sqsTestCredentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local' };

export interface SqsServer {
  readonly baseUrl: string;
  readonly queues: LocalQueues;
  readonly client: SQSClient;
  stop(): Promise<void>;
}

export async function startSqsServer(props: Omit<LocalQueuesProps, 'baseUrl'> = {}): Promise<SqsServer> {
  let queues: LocalQueues | undefined;
  const server = createServer((request, response) => {
    (queues as LocalQueues).handle(request, response).then((handled) => {
      if (!handled)
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  queues = createLocalQueues({ baseUrl, ...props });
  const client = new SQSClient({
    endpoint: baseUrl,
    region: props.region ?? 'us-east-1',
    credentials: sqsTestCredentials,
    maxAttempts: 1,
  });
  const started = queues;
  return {
    baseUrl,
    queues: started,
    client,
    async stop() {
      client.destroy();
      await started.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
