import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../local/gateway/authorizer.ts';

const arn = 'arn:aws:execute-api:us-east-1:000000000000:api/local/$connect';
const statement = (Effect: string, Resource: unknown = arn, Action: unknown = 'execute-api:Invoke') => ({
  Effect,
  Resource,
  Action,
});

describe('authorizer policy evaluation', () => {
  it.each([
    ['an Allow on the method ARN', { Statement: [statement('Allow')] }, 'allow'],
    ['a single statement object', { Statement: statement('Allow') }, 'allow'],
    ['a wildcard resource', { Statement: [statement('Allow', 'arn:aws:execute-api:*:*:api/*')] }, 'allow'],
    ['a resource list', { Statement: [statement('Allow', ['arn:other', arn])] }, 'allow'],
    ['an action wildcard', { Statement: [statement('Allow', arn, 'execute-api:*')] }, 'allow'],
    ['an explicit Deny beside an Allow', { Statement: [statement('Allow'), statement('Deny')] }, 'deny'],
    [
      'an Allow on another resource',
      { Statement: [statement('Allow', 'arn:aws:execute-api:us-east-1:000000000000:api/local/$default')] },
      'deny',
    ],
    ['an Allow of another action', { Statement: [statement('Allow', arn, 's3:GetObject')] }, 'deny'],
    ['no statements', { Statement: [] }, 'deny'],
    ['no Statement key', {}, 'invalid'],
    ['no policy', undefined, 'invalid'],
  ])('decides %s', (_name, policy, expected) => {
    // Act / Assess
    expect(evaluatePolicy(policy, arn)).toBe(expected);
  });
});
