/**
 * Lambda event filtering for the table stream: a matcher for the subset of the pattern language Parley
 * uses. The pattern itself is `connectionEventsStreamFilter` in the function catalogue, the same
 * object the CDK event source mapping is given.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { connectionEventsStreamFilter } from '../../lambdas/functions.ts';
import { LocalStackError } from '../errors.ts';

/** A value rule: one of the listed literals, or an operator object (`prefix`, `exists`, `anything-but`). */
export type FilterRule = readonly (string | number | boolean | null | FilterOperator)[];
export type FilterOperator =
  | { readonly prefix: string }
  | { readonly exists: boolean }
  | { readonly 'anything-but': string | number | readonly (string | number)[] };
export interface FilterPattern {
  readonly [field: string]: FilterPattern | FilterRule;
}

/** New connection items only: the welcome frame is sent once per stored connection. */
export const connectionInsertFilterPattern: FilterPattern = connectionEventsStreamFilter;

/**
 * True when the record matches the pattern (AND across fields, OR within a rule's list), as Lambda's
 * event filtering decides. Throws for operators this emulator does not implement rather than guessing.
 */
export function matchesFilterPattern(
  pattern: FilterPattern,
  record: DynamoDBRecord | Record<string, unknown>,
): boolean {
  return matchObject(pattern, record as unknown);
}

function matchObject(pattern: FilterPattern, value: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const fieldValue =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
    return Array.isArray(rule)
      ? matchRule(rule as FilterRule, fieldValue)
      : matchObject(rule as FilterPattern, fieldValue);
  });
}

function matchRule(rule: FilterRule, value: unknown): boolean {
  return rule.some((alternative) => {
    if (alternative === null || typeof alternative !== 'object') return value === alternative;
    if ('prefix' in alternative) return typeof value === 'string' && value.startsWith(alternative.prefix);
    if ('exists' in alternative) return (value !== undefined) === alternative.exists;
    if ('anything-but' in alternative) {
      const excluded = ([] as (string | number)[]).concat(alternative['anything-but']);
      return value !== undefined && !excluded.includes(value as string | number);
    }
    throw new LocalStackError(
      `unsupported filter operator ${JSON.stringify(alternative)}; supported: literals, prefix, exists, anything-but`,
    );
  });
}
