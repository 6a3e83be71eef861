/**
 * A stand-in for Secrets Manager's `GetSecretValue`, for the secrets the local stack generates at start
 * (the ticket key). The handlers reach it through the SDK's standard endpoint variable
 * (`AWS_ENDPOINT_URL_SECRETS_MANAGER`), exactly as they reach DynamoDB Local, so they run the same code
 * as on AWS: one `GetSecretValue` per cold start.
 *
 * The wire format is Secrets Manager's JSON 1.1 protocol: `POST /` with
 * `X-Amz-Target: secretsmanager.GetSecretValue` and `{"SecretId"}`. Unknown secrets get
 * `ResourceNotFoundException`; other operations get `UnknownOperationException`. Like the local
 * `@connections`, it neither checks signatures nor IAM. Secret values are never logged.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const targetPrefix = 'secretsmanager.';
const jsonContentType = 'application/x-amz-json-1.1';

export interface LocalSecret {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
}

export interface SecretsManagerEmulator {
  /** The ticket key's secret, generated at start (never written to disk: tickets live seconds). */
  readonly ticketKey: LocalSecret;
  /** Serves `GetSecretValue`; false for any request that is not a Secrets Manager call. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
}

export interface SecretsManagerEmulatorProps {
  readonly region: string;
  /** Prefixes the secrets' names, like the stack name does on AWS. */
  readonly namePrefix: string;
}

export function createSecretsManagerEmulator(props: SecretsManagerEmulatorProps): SecretsManagerEmulator {
  const name = `${props.namePrefix}-ticket-key`;
  const ticketKey: LocalSecret = {
    name,
    arn: `arn:aws:secretsmanager:${props.region}:000000000000:secret:${name}-${randomBytes(3).toString('hex')}`,
    // 48 random bytes, as text: what the stack's generated secret is too (a random string).
    value: randomBytes(48).toString('base64url'),
  };
  const secrets = [ticketKey];

  return {
    ticketKey,
    async handle(request, response) {
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || typeof target !== 'string' || !target.startsWith(targetPrefix)) {
        return false;
      }
      const body = await readBody(request);
      if (target !== `${targetPrefix}GetSecretValue`) {
        return answer(response, 400, {
          __type: 'UnknownOperationException',
          message: `the local stack serves GetSecretValue only, not ${target.slice(targetPrefix.length)}`,
        });
      }
      const secretId = parseSecretId(body);
      const secret = secrets.find((candidate) => candidate.arn === secretId || candidate.name === secretId);
      if (!secret) {
        return answer(response, 400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      return answer(response, 200, {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      });
    },
  };
}

function parseSecretId(body: string): string | undefined {
  try {
    const { SecretId } = JSON.parse(body) as { SecretId?: unknown };
    return typeof SecretId === 'string' ? SecretId : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    // Secrets Manager requests are tiny; refuse to buffer anything else.
    if (size > 65_536) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answer(response: ServerResponse, status: number, body: unknown): true {
  response.writeHead(status, { 'content-type': jsonContentType }).end(JSON.stringify(body));
  return true;
}
