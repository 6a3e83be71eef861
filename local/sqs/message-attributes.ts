/**
 * Message attributes as SendMessage takes them (`MessageAttributes`), checked as SQS checks them, with
 * the digest SQS returns (`MD5OfMessageAttributes`) and the size they add to a message.
 */
import { createHash } from 'node:crypto';
import { ok, type Result } from '../../lambdas/core/result.ts';
import { type SqsFault, sqsFault } from './sqs-faults.ts';

/** One attribute as stored: `binaryValue` is base64, as on the wire and in Lambda's SQS events. */
export interface MessageAttribute {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: string;
}

export type MessageAttributes = Readonly<Record<string, MessageAttribute>>;

const maxAttributes = 10;
const namePattern = /^(?!aws\.|amazon\.)(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/i;
const dataTypePattern = /^(String|Number|Binary)(\.[^\s]{1,256})?$/;

/** Checks the `MessageAttributes` member of a request; `undefined` means none. */
export function parseMessageAttributes(raw: unknown): Result<MessageAttributes, SqsFault> {
  if (raw === undefined || raw === null) return ok({});
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return sqsFault('InvalidParameterValue', 'MessageAttributes must be a map of name to attribute value');
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > maxAttributes) {
    return sqsFault(
      'InvalidParameterValue',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${maxAttributes}].`,
    );
  }
  const attributes: Record<string, MessageAttribute> = {};
  for (const [name, value] of entries) {
    if (!namePattern.test(name)) {
      return sqsFault('InvalidParameterValue', `Message attribute name '${name}' is invalid.`);
    }
    const member = (value ?? {}) as Record<string, unknown>;
    const dataType = member.DataType;
    if (typeof dataType !== 'string' || !dataTypePattern.test(dataType)) {
      return sqsFault(
        'InvalidParameterValue',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (member.StringListValues !== undefined || member.BinaryListValues !== undefined) {
      return sqsFault(
        'InvalidParameterValue',
        `Message attribute list values in '${name}' are not supported.`,
      );
    }
    if (dataType.startsWith('Binary')) {
      if (typeof member.BinaryValue !== 'string' || member.BinaryValue.length === 0) {
        return sqsFault(
          'InvalidParameterValue',
          `The message attribute '${name}' must contain a non-empty value of message attribute type 'Binary'.`,
        );
      }
      attributes[name] = { dataType, binaryValue: member.BinaryValue };
    } else {
      if (typeof member.StringValue !== 'string' || member.StringValue.length === 0) {
        return sqsFault(
          'InvalidParameterValue',
          `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${dataType.split('.')[0]}'.`,
        );
      }
      if (dataType.startsWith('Number') && !Number.isFinite(Number(member.StringValue))) {
        return sqsFault(
          'InvalidParameterValue',
          `Can't cast the value of message (user) attribute '${name}' to a number.`,
        );
      }
      attributes[name] = { dataType, stringValue: member.StringValue };
    }
  }
  return ok(attributes);
}

/** Bytes the attributes add to the message size: name, type and value of each. */
export function messageAttributesSize(attributes: MessageAttributes): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.dataType) + valueBytes(attribute).length;
  }
  return size;
}

/**
 * SQS's `MD5OfMessageAttributes`: attributes sorted by name, each as length-prefixed name, type, a
 * transport byte (1 string, 2 binary) and length-prefixed value. `undefined` without attributes.
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as MessageAttribute;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.dataType, 'utf8'));
    hash.update(Buffer.from([attribute.binaryValue === undefined ? 1 : 2]));
    lengthPrefixed(valueBytes(attribute));
  }
  return hash.digest('hex');
}

function valueBytes(attribute: MessageAttribute): Buffer {
  return attribute.binaryValue === undefined
    ? Buffer.from(attribute.stringValue ?? '', 'utf8')
    : Buffer.from(attribute.binaryValue, 'base64');
}
