/** Template helpers for the infrastructure tests: synthesis without esbuild, and lookups by catalogue name. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { type FunctionName, functions } from '../../lambdas/functions.ts';
import { ParleyStack, type ParleyStackProps } from '../../lib/parley-stack.ts';

export type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export const functionNames = Object.keys(functions) as FunctionName[];
export const streamReadActions = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

/** Synthesises the stack without running esbuild; one App per stack (a synthesised App cannot grow). */
export function synthesize(props?: ParleyStackProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new ParleyStack(app, 'ParleyTest', props));
}

let defaults: Template | undefined;
/** The stack with default props, synthesised once for the tests that only read it. */
export function defaultTemplate(): Template {
  defaults ??= synthesize();
  return defaults;
}

export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

/** The logical id of a catalogue function, found by the description the catalogue gives it. */
export function functionLogicalId(template: Template, name: FunctionName): string {
  const matches = resourcesOfType(template, 'AWS::Lambda::Function').filter(
    ([, resource]) => resource.Properties.Description === functions[name].description,
  );
  expect(matches, `exactly one function described as "${functions[name].description}"`).toHaveLength(1);
  return matches[0]?.[0] ?? '';
}

export function functionProperties(template: Template, name: FunctionName): Record<string, unknown> {
  const id = functionLogicalId(template, name);
  return (template.findResources('AWS::Lambda::Function') as Record<string, Resource>)[id]?.Properties ?? {};
}

/** Every IAM statement attached to a function's execution role. */
export function statementsOf(template: Template, name: FunctionName): Statement[] {
  const role = functionProperties(template, name).Role as { 'Fn::GetAtt': [string, string] };
  const roleId = role['Fn::GetAtt'][0];
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function allowedActions(template: Template, name: FunctionName, prefix: string): string[] {
  return [
    ...new Set(
      statementsOf(template, name)
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap(actionsOf)
        .filter((action) => action.startsWith(prefix)),
    ),
  ].sort();
}

export function environmentOf(template: Template, name: FunctionName): Record<string, unknown> {
  const environment = functionProperties(template, name).Environment as {
    Variables?: Record<string, unknown>;
  };
  return environment?.Variables ?? {};
}

/** The statements of a function that grant table (not stream) actions. */
export function tableStatementsOf(template: Template, name: FunctionName): Statement[] {
  return statementsOf(template, name).filter((statement) =>
    actionsOf(statement).some(
      (action) => action.startsWith('dynamodb:') && !streamReadActions.includes(action),
    ),
  );
}

/** The logical id of the stack's one DynamoDB table. */
export function tableLogicalId(template: Template): string {
  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
  expect(tables).toHaveLength(1);
  return tables[0]?.[0] ?? '';
}
