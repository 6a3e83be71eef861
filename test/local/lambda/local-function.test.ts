import { describe, expect, it } from 'vitest';
import { InvocationTimeoutError } from '../../../local/errors.ts';
import { createLocalFunction } from '../../../local/lambda/local-function.ts';

describe('local function', () => {
  it('returns the handler result and passes a Lambda context', async () => {
    // Prepare
    const fn = createLocalFunction('demo', async (event: { n: number }, context) => ({
      doubled: event.n * 2,
      name: context.functionName,
      remaining: context.getRemainingTimeInMillis(),
    }));

    // Act
    const result = await fn.invoke({ n: 21 });

    // Assess
    expect(result).toMatchObject({ success: true, data: { doubled: 42, name: 'demo' } });
    expect(result.success && (result.data as { remaining: number }).remaining).toBeGreaterThan(28_000);
  });

  it('reports a thrown error as a failed invocation', async () => {
    // Prepare
    const fn = createLocalFunction('demo', () => {
      throw new TypeError('bad');
    });

    // Act
    const result = await fn.invoke({});

    // Assess
    expect(result).toMatchObject({
      success: false,
      error: { timedOut: false, cause: { name: 'TypeError', message: 'bad' } },
    });
  });

  it('fails an invocation that outlives its timeout', async () => {
    // Prepare
    const fn = createLocalFunction('slow', () => new Promise(() => {}), { timeoutMs: 20 });

    // Act
    const result = await fn.invoke({});

    // Assess
    expect(result).toMatchObject({ success: false, error: { timedOut: true } });
    expect(!result.success && result.error.cause).toBeInstanceOf(InvocationTimeoutError);
  });
});
