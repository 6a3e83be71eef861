import { describe, expect, it } from 'vitest';
import { checkJava, parseJavaMajorVersion } from '../../../local/dynamodb/java.ts';
import { JavaRuntimeError } from '../../../local/errors.ts';

describe('Java check', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "21" 2023-09-19', 21],
    ['no version here', undefined],
  ])('reads the major version from %s', (output, expected) => {
    // Act / Assess
    expect(parseJavaMajorVersion(output)).toBe(expected);
  });

  it('explains how to install Java when the command is missing', async () => {
    // Act
    const attempt = checkJava('java-that-does-not-exist');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(JavaRuntimeError);
    await expect(attempt).rejects.toThrow(
      'Java 17+ is required for DynamoDB Local: apt-get install -y openjdk-17-jre-headless',
    );
  });
});
