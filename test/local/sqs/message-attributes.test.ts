import { describe, expect, it } from 'vitest';
import {
  md5OfMessageAttributes,
  messageAttributesSize,
  parseMessageAttributes,
} from '../../../local/sqs/message-attributes.ts';

describe('message attributes', () => {
  it('digests attributes as SQS does (the value botocore checks for this published example)', () => {
    // Prepare
    const parsed = parseMessageAttributes({
      'SOME_Valid.attribute-Name': { StringValue: '1493147359900', DataType: 'Number' },
    });

    // Act
    const md5 = parsed.success ? md5OfMessageAttributes(parsed.data) : undefined;

    // Assess
    expect(md5).toBe('36655e7e9d7c0e8479fa3f3f42247ae7');
  });

  it('has no digest and no size without attributes', () => {
    // Act / Assess
    expect(md5OfMessageAttributes({})).toBeUndefined();
    expect(messageAttributesSize({})).toBe(0);
  });

  it('counts name, type and value bytes, binary values decoded', () => {
    // Prepare
    const parsed = parseMessageAttributes({
      kind: { DataType: 'String', StringValue: 'broadcast' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
    });

    // Act
    const size = parsed.success ? messageAttributesSize(parsed.data) : -1;

    // Assess
    expect(size).toBe(4 + 6 + 9 + (4 + 6 + 3));
  });

  it.each([
    [{ 'AWS.reserved': { DataType: 'String', StringValue: 'x' } }, /name 'AWS.reserved' is invalid/],
    [{ 'two..dots': { DataType: 'String', StringValue: 'x' } }, /name 'two..dots' is invalid/],
    [{ kind: { DataType: 'Text', StringValue: 'x' } }, /invalid message attribute type/],
    [{ kind: { DataType: 'String' } }, /must contain a non-empty message attribute value/],
    [
      { kind: { DataType: 'Number', StringValue: 'seven' } },
      /Can't cast the value of message \(user\) attribute 'kind' to a number/,
    ],
    [{ kind: { DataType: 'Binary' } }, /must contain a non-empty value of message attribute type 'Binary'/],
    [
      Object.fromEntries(
        Array.from({ length: 11 }, (_, index) => [`a${index}`, { DataType: 'String', StringValue: 'x' }]),
      ),
      /Number of message attributes \[11\] exceeds the allowed maximum \[10\]/,
    ],
  ])('refuses %o', (raw, message) => {
    // Act
    const parsed = parseMessageAttributes(raw);

    // Assess
    expect(parsed).toEqual({
      success: false,
      error: { code: 'InvalidParameterValue', message: expect.stringMatching(message) },
    });
  });
});
