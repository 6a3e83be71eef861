import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { readTicketKey } from '../../../lambdas/adapters/ticket-key-secret.ts';
import {
  createSecretsManagerEmulator,
  type SecretsManagerEmulator,
} from '../../../local/secrets/secrets-manager.ts';

let server: Server | undefined;

/** The emulator behind a real HTTP server, and an SDK client pointed at it as the handlers' is. */
async function serve(): Promise<{
  emulator: SecretsManagerEmulator;
  client: SecretsManagerClient;
  base: string;
}> {
  const emulator = createSecretsManagerEmulator({ region: 'us-east-1', namePrefix: 'parley-test' });
  server = createServer((request, response) => {
    void emulator.handle(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end('not a Secrets Manager call');
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SecretsManagerClient({
    endpoint: base,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return { emulator, client, base };
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

describe('the local Secrets Manager', () => {
  it('serves the generated ticket key to the SDK by ARN and by name, as the handlers read it', async () => {
    // Prepare
    const { emulator, client } = await serve();

    // Act
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: emulator.ticketKey.arn }));
    const byName = await client.send(new GetSecretValueCommand({ SecretId: emulator.ticketKey.name }));
    const key = await readTicketKey(emulator.ticketKey.arn, client);

    // Assess
    expect(byArn).toMatchObject({ ARN: emulator.ticketKey.arn, SecretString: emulator.ticketKey.value });
    expect(byName.SecretString).toBe(emulator.ticketKey.value);
    expect(emulator.ticketKey.value.length).toBeGreaterThanOrEqual(32);
    expect(key.export()).toEqual(Buffer.from(emulator.ticketKey.value));
  });

  it('generates a different key on every start', async () => {
    // Act
    const keys = [1, 2].map(
      () => createSecretsManagerEmulator({ region: 'us-east-1', namePrefix: 'p' }).ticketKey.value,
    );

    // Assess
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('answers an unknown secret with ResourceNotFoundException and other operations with an error', async () => {
    // Prepare
    const { client } = await serve();

    // Act
    const unknown = client.send(new GetSecretValueCommand({ SecretId: 'no-such-secret' }));
    const describe = client.send(new DescribeSecretCommand({ SecretId: 'no-such-secret' }));

    // Assess
    await expect(unknown).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(describe).rejects.toThrow(/serves GetSecretValue only, not DescribeSecret/);
  });

  it('leaves every other request to the rest of the local stack', async () => {
    // Prepare
    const { base } = await serve();

    // Act
    const response = await fetch(`${base}/login`, { method: 'POST', body: '{}' });

    // Assess
    expect(response.status).toBe(404);
  });
});
