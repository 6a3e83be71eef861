/**
 * A received message as Lambda hands it to a function in an `SQSEvent`: the system attributes by
 * their SQS names, message attributes in camelCase, `eventSource` `aws:sqs`.
 */
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { ReceivedMessage } from './fifo-queue.ts';

export function toSqsRecord(message: ReceivedMessage, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, attribute] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(attribute.stringValue !== undefined ? { stringValue: attribute.stringValue } : {}),
      ...(attribute.binaryValue !== undefined ? { binaryValue: attribute.binaryValue } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: attribute.dataType,
    };
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
