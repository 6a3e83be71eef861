/**
 * The SQS API the handlers call, in the JSON protocol @aws-sdk/client-sqs speaks (see
 * sqs-json-protocol.ts), so they reach the emulated queues unchanged through `AWS_ENDPOINT_URL_SQS`:
 * SendMessage, SendMessageBatch, GetQueueUrl, GetQueueAttributes and, for tests and tools,
 * ReceiveMessage (with long polling), DeleteMessage and ChangeMessageVisibility. Other actions answer
 * `UnsupportedOperation`; the query protocol (form-encoded `Action=`) is not served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ok, type Result } from '../../lambdas/core/result.ts';
import type { FifoQueue, ReceivedMessage } from './fifo-queue.ts';
import { maxVisibilityTimeoutSeconds } from './fifo-queue.ts';
import { type MessageAttributes, md5OfMessageAttributes } from './message-attributes.ts';
import { type BatchEntry, checkBatchEntryIds, sendMessageBatch } from './message-batch.ts';
import type { SendMessageInput } from './message-rules.ts';
import { queueAttributes } from './queue-attributes.ts';
import { type SqsFault, sqsFault } from './sqs-faults.ts';
import { isSqsRequest, readBody, reply, type SqsInput, senderIdOf } from './sqs-json-protocol.ts';

/** How the endpoint finds queues. */
export interface QueueDirectory {
  /** The queue a `QueueUrl` names (any host; the path `/<account>/<name>` decides). */
  byUrl(url: string): FifoQueue | undefined;
  byName(name: string, accountId?: string): FifoQueue | undefined;
  urlOf(queue: FifoQueue): string;
}

export interface SqsApi {
  /** Serves the request when it is an SQS JSON-protocol call; resolves false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Ends pending long polls (they answer with no messages). */
  stop(): void;
}

type Input = SqsInput;
type Action = (
  input: Input,
  senderId: string,
) => Promise<Result<object, SqsFault>> | Result<object, SqsFault>;

export function createSqsApi(directory: QueueDirectory): SqsApi {
  const waiting = new Set<() => void>();
  let stopped = false;

  const queueOf = (input: Input): Result<FifoQueue, SqsFault> => {
    const url = input.QueueUrl;
    if (typeof url !== 'string' || url.length === 0) {
      return sqsFault('MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    const queue = directory.byUrl(url);
    return queue ? ok(queue) : sqsFault('QueueDoesNotExist', 'The specified queue does not exist.');
  };

  /** Resolves at the queue's next change, after `ms`, or when the endpoint stops. */
  const nextChange = (queue: FifoQueue, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        unsubscribe();
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      };
      const unsubscribe = queue.subscribe(done);
      const timer = setTimeout(done, Math.max(0, ms));
      waiting.add(done);
    });

  const actions: Readonly<Record<string, Action>> = {
    SendMessage: (input, senderId) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const message = sendInput(input, senderId);
      if (!message.success) return message;
      const sent = queue.data.send(message.data);
      if (!sent.success) return sent;
      return ok({
        MessageId: sent.data.messageId,
        MD5OfMessageBody: sent.data.md5OfMessageBody,
        ...(sent.data.md5OfMessageAttributes
          ? { MD5OfMessageAttributes: sent.data.md5OfMessageAttributes }
          : {}),
        SequenceNumber: sent.data.sequenceNumber,
      });
    },
    SendMessageBatch: (input, senderId) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const raw = input.Entries ?? [];
      if (!Array.isArray(raw)) return sqsFault('SerializationException', 'Entries must be a list');
      const entries: BatchEntry[] = [];
      for (const entry of raw as Input[]) {
        const message = sendInput(entry ?? {}, senderId);
        if (!message.success) return message;
        entries.push({ ...message.data, id: typeof entry?.Id === 'string' ? entry.Id : '' });
      }
      const outcome = sendMessageBatch(queue.data, entries);
      if (!outcome.success) return outcome;
      return ok({
        Successful: outcome.data.successful.map((sent) => ({
          Id: sent.id,
          MessageId: sent.messageId,
          MD5OfMessageBody: sent.md5OfMessageBody,
          ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
          SequenceNumber: sent.sequenceNumber,
        })),
        Failed: outcome.data.failed.map((failed) => ({
          Id: failed.id,
          SenderFault: failed.senderFault,
          Code: failed.code,
          Message: failed.message,
        })),
      });
    },
    GetQueueUrl: (input) => {
      const name = input.QueueName;
      if (typeof name !== 'string' || name.length === 0) {
        return sqsFault('MissingParameter', 'The request must contain the parameter QueueName.');
      }
      const owner =
        typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : undefined;
      const queue = directory.byName(name, owner);
      if (!queue) return sqsFault('QueueDoesNotExist', 'The specified queue does not exist.');
      return ok({ QueueUrl: directory.urlOf(queue) });
    },
    GetQueueAttributes: (input) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const names = stringList(input.AttributeNames);
      if (!names.success) return names;
      const attributes = queueAttributes(queue.data, names.data);
      if (!attributes.success) return attributes;
      return ok(Object.keys(attributes.data).length > 0 ? { Attributes: attributes.data } : {});
    },
    ReceiveMessage: async (input) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const max = integer(input, 'MaxNumberOfMessages', 1, 10, 1);
      if (!max.success) return max;
      const visibility = integer(
        input,
        'VisibilityTimeout',
        0,
        maxVisibilityTimeoutSeconds,
        queue.data.visibilityTimeoutSeconds,
      );
      if (!visibility.success) return visibility;
      const wait = integer(input, 'WaitTimeSeconds', 0, 20, 0);
      if (!wait.success) return wait;
      const systemNames = stringList(input.MessageSystemAttributeNames ?? input.AttributeNames);
      if (!systemNames.success) return systemNames;
      const attributeNames = stringList(input.MessageAttributeNames);
      if (!attributeNames.success) return attributeNames;
      const deadline = queue.data.now() + wait.data * 1000;
      let messages = queue.data.receive(max.data, visibility.data);
      while (messages.length === 0 && queue.data.now() < deadline && !stopped) {
        const until = Math.min(deadline, queue.data.nextVisibilityAt() ?? deadline);
        await nextChange(queue.data, until - queue.data.now());
        messages = queue.data.receive(max.data, visibility.data);
      }
      if (messages.length === 0) return ok({});
      return ok({
        Messages: messages.map((message) => wireMessage(message, systemNames.data, attributeNames.data)),
      });
    },
    DeleteMessage: (input) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const handle = receiptHandle(input);
      if (!handle.success) return handle;
      const deleted = queue.data.delete(handle.data);
      return deleted.success ? ok({}) : deleted;
    },
    ChangeMessageVisibility: (input) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const handle = receiptHandle(input);
      if (!handle.success) return handle;
      if (input.VisibilityTimeout === undefined) {
        return sqsFault('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
      }
      const visibility = integer(input, 'VisibilityTimeout', 0, maxVisibilityTimeoutSeconds, 0);
      if (!visibility.success) return visibility;
      const changed = queue.data.changeVisibility(handle.data, visibility.data);
      return changed.success ? ok({}) : changed;
    },
    // What Parley's queue consumers call to have a failed batch come back after a short pause.
    ChangeMessageVisibilityBatch: (input) => {
      const queue = queueOf(input);
      if (!queue.success) return queue;
      const raw = input.Entries ?? [];
      if (!Array.isArray(raw)) return sqsFault('SerializationException', 'Entries must be a list');
      const entries = (raw as Input[]).map((entry) => entry ?? {});
      const checked = checkBatchEntryIds(
        entries.map((entry) => (typeof entry.Id === 'string' ? entry.Id : '')),
        'ChangeMessageVisibilityBatchRequestEntry',
      );
      if (!checked.success) return checked;
      const successful: { Id: string }[] = [];
      const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of entries) {
        const id = String(entry.Id);
        const handle = receiptHandle(entry);
        const visibility = integer(entry, 'VisibilityTimeout', 0, maxVisibilityTimeoutSeconds, 0);
        const changed = !handle.success
          ? handle
          : !visibility.success
            ? visibility
            : queue.data.changeVisibility(handle.data, visibility.data);
        if (changed.success) successful.push({ Id: id });
        else
          failed.push({
            Id: id,
            SenderFault: true,
            Code: changed.error.code,
            Message: changed.error.message,
          });
      }
      return ok({ Successful: successful, Failed: failed });
    },
  };

  return {
    async handle(request, response) {
      if (!isSqsRequest(request)) return false;
      const action = String(request.headers['x-amz-target']).slice('AmazonSQS.'.length);
      const authorization = request.headers.authorization;
      // The real API requires SigV4; the SDK always signs, so an unsigned call means a misconfigured client.
      if (!authorization?.startsWith('AWS4-HMAC-SHA256')) {
        request.resume();
        reply(response, {
          success: false,
          error: { code: 'MissingAuthenticationToken', message: 'Missing Authentication Token' },
        });
        return true;
      }
      const body = await readBody(request);
      if (!body.success) {
        reply(response, body);
        return true;
      }
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run) {
        reply(response, {
          success: false,
          error: {
            code: 'UnsupportedOperation',
            message: `${action} is not emulated by Parley's local SQS.`,
          },
        });
        return true;
      }
      reply(response, await run(body.data, senderIdOf(authorization)));
      return true;
    },
    stop() {
      stopped = true;
      for (const done of [...waiting]) done();
    },
  };
}

function sendInput(input: Input, senderId: string): Result<SendMessageInput, SqsFault> {
  for (const name of ['MessageBody', 'MessageGroupId', 'MessageDeduplicationId'] as const) {
    if (input[name] !== undefined && typeof input[name] !== 'string') {
      return sqsFault('SerializationException', `${name} must be a string`);
    }
  }
  if (input.DelaySeconds !== undefined && typeof input.DelaySeconds !== 'number') {
    return sqsFault('SerializationException', 'DelaySeconds must be a number');
  }
  return ok({
    body: input.MessageBody as string | undefined,
    groupId: input.MessageGroupId as string | undefined,
    deduplicationId: input.MessageDeduplicationId as string | undefined,
    delaySeconds: input.DelaySeconds as number | undefined,
    messageAttributes: input.MessageAttributes,
    senderId,
  });
}

function receiptHandle(input: Input): Result<string, SqsFault> {
  const handle = input.ReceiptHandle;
  if (typeof handle !== 'string' || handle.length === 0) {
    return sqsFault('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
  }
  return ok(handle);
}

function integer(
  input: Input,
  name: string,
  min: number,
  max: number,
  fallback: number,
): Result<number, SqsFault> {
  const value = input[name];
  if (value === undefined || value === null) return ok(fallback);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return sqsFault(
      'InvalidParameterValue',
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return ok(value);
}

function stringList(value: unknown): Result<string[], SqsFault> {
  if (value === undefined || value === null) return ok([]);
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    return sqsFault('SerializationException', 'attribute names must be a list of strings');
  }
  return ok(value as string[]);
}

/** A received message as ReceiveMessage answers it: only the attributes asked for. */
function wireMessage(
  message: ReceivedMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
) {
  const allSystem = systemNames.includes('All');
  const attributes = Object.fromEntries(
    Object.entries(message.attributes).filter(([name]) => allSystem || systemNames.includes(name)),
  );
  const wanted = (name: string) =>
    attributeNames.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
  const selected: MessageAttributes = Object.fromEntries(
    Object.entries(message.messageAttributes).filter(([name]) => wanted(name)),
  );
  const md5 = md5OfMessageAttributes(selected);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(md5
      ? {
          MD5OfMessageAttributes: md5,
          MessageAttributes: Object.fromEntries(
            Object.entries(selected).map(([name, attribute]) => [
              name,
              {
                DataType: attribute.dataType,
                ...(attribute.stringValue !== undefined ? { StringValue: attribute.stringValue } : {}),
                ...(attribute.binaryValue !== undefined ? { BinaryValue: attribute.binaryValue } : {}),
              },
            ]),
          ),
        }
      : {}),
  };
}
