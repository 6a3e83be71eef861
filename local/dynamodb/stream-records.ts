/**
 * Turns DynamoDB Streams API records (as the SDK returns them) into the records Lambda hands to a
 * stream-triggered function: JSON-shaped, binary attributes as base64 strings, creation time in epoch
 * seconds.
 */
import type {
  AttributeValue as SdkAttributeValue,
  _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';

type SdkImage = Record<string, SdkAttributeValue>;

export function toLambdaRecord(
  record: StreamsRecord,
  eventSourceArn: string,
  region: string,
): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {
    ...(stream.ApproximateCreationDateTime
      ? { ApproximateCreationDateTime: Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000) }
      : {}),
    ...(stream.Keys ? { Keys: toLambdaImage(stream.Keys as SdkImage) } : {}),
    ...(stream.NewImage ? { NewImage: toLambdaImage(stream.NewImage as SdkImage) } : {}),
    ...(stream.OldImage ? { OldImage: toLambdaImage(stream.OldImage as SdkImage) } : {}),
    ...(stream.SequenceNumber ? { SequenceNumber: stream.SequenceNumber } : {}),
    ...(stream.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
    ...(stream.StreamViewType ? { StreamViewType: stream.StreamViewType } : {}),
  };
  return {
    ...(record.eventID ? { eventID: record.eventID } : {}),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    // DynamoDB Local reports the region "ddblocal"; Lambda reports the function's region.
    awsRegion: region,
    dynamodb,
    eventSourceARN: eventSourceArn,
    ...(record.userIdentity
      ? {
          userIdentity: {
            type: record.userIdentity.Type ?? '',
            principalId: record.userIdentity.PrincipalId ?? '',
          },
        }
      : {}),
  };
}

export function toLambdaImage(image: SdkImage): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  return value as AttributeValue;
}
