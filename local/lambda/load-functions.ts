/**
 * Imports handlers from the function catalogue (lambdas/functions.ts), the same entry files the CDK
 * stack bundles. Import runs the module's top level — its cold start — so configuration must already
 * be in `process.env`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type FunctionName, functions } from '../../lambdas/functions.ts';
import { FunctionLoadError } from '../errors.ts';
import type { LambdaHandler } from './local-function.ts';

/** The repository root (this file lives in local/lambda/). */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Loads a handler by catalogue name; tests substitute their own loader. */
export type HandlerLoader = (name: FunctionName) => Promise<LambdaHandler>;

export const loadCatalogueHandler: HandlerLoader = async (name) => {
  const { entry } = functions[name];
  const path = resolve(repositoryRoot, entry);
  if (!existsSync(path)) {
    throw new FunctionLoadError(`${entry} not found (function "${name}" in lambdas/functions.ts)`);
  }
  let module: { handler?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { handler?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new FunctionLoadError(`function "${name}" failed its cold start (${entry}): ${reason}`, {
      cause: error,
    });
  }
  if (typeof module.handler !== 'function') {
    throw new FunctionLoadError(`${entry} must export a function named "handler" (function "${name}")`);
  }
  return module.handler as LambdaHandler;
};
