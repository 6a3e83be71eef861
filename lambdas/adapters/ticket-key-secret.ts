/**
 * The ticket key from Secrets Manager. The stack generates the secret (a random string) and passes its
 * ARN, never its value, in `TICKET_KEY_SECRET_ARN`; the functions that seal or open tickets read it
 * once per cold start (`GetSecretValue`, the only action they are granted on it). The local stack serves
 * the same call from a key it generates at start.
 */

import { createSecretKey } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { minTicketKeyBytes, type TicketKey, type TicketKeySource } from '../core/connection-tickets.ts';
import { ConfigurationError } from '../core/errors.ts';

/** Reads the secret and turns its text into an HMAC key; a secret too short to be a key is a misconfiguration. */
export async function readTicketKey(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({ maxAttempts: 3 }),
): Promise<TicketKey> {
  const { SecretString: secret } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const bytes = Buffer.from(secret ?? '', 'utf8');
  if (bytes.length < minTicketKeyBytes) {
    // The length only: the value is the key.
    throw new ConfigurationError([
      `the ticket key secret ${secretId} must hold a string of at least ${minTicketKeyBytes} bytes, got ${bytes.length}`,
    ]);
  }
  return createSecretKey(bytes);
}

/**
 * The key as a {@link TicketKeySource}: read on first use and kept for the life of the instance (one
 * GetSecretValue per cold start); a failed read is not kept, so the next ticket tries again.
 */
export function ticketKeyFromSecret(secretId: string, client?: SecretsManagerClient): TicketKeySource {
  let key: Promise<TicketKey> | undefined;
  return () => {
    key ??= readTicketKey(secretId, client).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}
