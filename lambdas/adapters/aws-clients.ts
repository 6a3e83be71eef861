/**
 * SDK clients, created once per Lambda instance and reused by warm invocations.
 *
 * Endpoints come from the SDK's standard settings, so the same code reaches AWS or the local stack:
 * DynamoDB honours AWS_ENDPOINT_URL_DYNAMODB, SQS AWS_ENDPOINT_URL_SQS, and the management API is
 * pointed at CALLBACK_URL.
 */
import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let sharedDocumentClient: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  sharedDocumentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedDocumentClient;
}

/**
 * Request handlers for endpoints served inside this very process: the local stack's gateway hands its
 * own to the handlers' @connections client, so a post skips the loopback socket (and nothing else).
 * Empty on AWS, where every client uses the SDK's default HTTP handler.
 */
const inProcessHandlers = new Map<string, ApiGatewayManagementApiClientConfig['requestHandler']>();

/** Serves `endpoint` in-process for management clients created from now on; returns the undo. */
export function serveEndpointInProcess(
  endpoint: string,
  handler: NonNullable<ApiGatewayManagementApiClientConfig['requestHandler']>,
): () => void {
  inProcessHandlers.set(endpoint, handler);
  return () => {
    if (inProcessHandlers.get(endpoint) === handler) inProcessHandlers.delete(endpoint);
  };
}

/** The SDK's standard retry mode retries throttling (429) and 5xx; GoneException (410) is final. */
export function managementClient(callbackUrl: string): ApiGatewayManagementApiClient {
  const requestHandler = inProcessHandlers.get(callbackUrl);
  return new ApiGatewayManagementApiClient({
    endpoint: callbackUrl,
    maxAttempts: 3,
    ...(requestHandler ? { requestHandler } : {}),
  });
}

let sharedQueueClient: SQSClient | undefined;

export function queueClient(): SQSClient {
  sharedQueueClient ??= new SQSClient({ maxAttempts: 5 });
  return sharedQueueClient;
}
