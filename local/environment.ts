/**
 * The environment the handlers read at import time (lambdas/config.ts and the SDK's standard
 * variables). In-process functions share one `process.env`, so every function sees every variable —
 * on Lambda each function gets only its own.
 */
export interface HandlerEnvironmentProps {
  readonly tableName: string;
  readonly callbackUrl: string;
  readonly dynamoEndpoint: string;
  /** Where the SQS emulator listens (the gateway's own port). */
  readonly queueEndpoint: string;
  readonly publicationQueueUrl: string;
  readonly deliveryQueueUrl: string;
  readonly region: string;
  /** AUTH_MODE and OIDC_* from the local identity provider. */
  readonly authorizerEnv: Readonly<Record<string, string>>;
  /** The local Secrets Manager's endpoint and the ticket key's secret (local/secrets/secrets-manager.ts). */
  readonly secrets?: { readonly endpoint: string; readonly ticketKeySecretArn: string };
  /** Anything else, e.g. MAX_CONNECTIONS_PER_USER; wins over the values above. */
  readonly extra?: Readonly<Record<string, string>>;
}

export function handlerEnvironment(props: HandlerEnvironmentProps): Record<string, string> {
  return {
    TABLE_NAME: props.tableName,
    CALLBACK_URL: props.callbackUrl,
    // The SDK's per-service endpoint variable: the handlers' DynamoDB client reaches DynamoDB Local unchanged.
    AWS_ENDPOINT_URL_DYNAMODB: props.dynamoEndpoint,
    // Likewise for SQS: the fan-out's queues are emulated on the gateway's port.
    AWS_ENDPOINT_URL_SQS: props.queueEndpoint,
    PUBLICATION_QUEUE_URL: props.publicationQueueUrl,
    DELIVERY_QUEUE_URL: props.deliveryQueueUrl,
    AWS_REGION: props.region,
    AWS_DEFAULT_REGION: props.region,
    // Dummy credentials, so the SDK never looks for real ones (DynamoDB Local and the emulator ignore them).
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...(props.secrets
      ? {
          // The SDK's per-service endpoint variable, as for DynamoDB above.
          AWS_ENDPOINT_URL_SECRETS_MANAGER: props.secrets.endpoint,
          TICKET_KEY_SECRET_ARN: props.secrets.ticketKeySecretArn,
        }
      : {}),
    ...props.authorizerEnv,
    ...props.extra,
  };
}

/** Variables that would make the SDK mix real credentials into local calls. */
const cleared = ['AWS_SESSION_TOKEN', 'AWS_PROFILE'];

/** Sets the variables and returns a function that restores what was there before. */
export function applyEnvironment(values: Readonly<Record<string, string>>): () => void {
  const names = [...Object.keys(values), ...cleared];
  const previous = new Map(names.map((name) => [name, process.env[name]]));
  for (const name of cleared) delete process.env[name];
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
