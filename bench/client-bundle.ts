/**
 * The client SDK's size as a web page ships it: `client/src/index.ts` bundled by esbuild for the
 * browser (ES2022, minified, everything it imports from lambdas/core included), then gzipped.
 * The budget is 10 KB gzip; test/client/bundle.test.ts holds the SDK to it.
 */

import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE_SECTION } from './bundle-sizes.ts';
import { type BenchEntry, figure } from './entry.ts';

export const CLIENT_BUNDLE_BUDGET_GZIP_BYTES = 10 * 1024;

export interface ClientBundle {
  readonly code: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

export async function measureClientBundle(): Promise<ClientBundle> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../client/src/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no client bundle');
  return {
    code: output.text,
    bytes: output.contents.length,
    gzipBytes: gzipSync(output.contents, { level: 9 }).length,
  };
}

export function formatClientBundle(bundle: ClientBundle): string {
  const budget = CLIENT_BUNDLE_BUDGET_GZIP_BYTES;
  return [
    `${'bundle'.padEnd(18)}${'bytes'.padStart(10)}${'gzip'.padStart(10)}${'budget'.padStart(10)}`,
    `${'client SDK'.padEnd(18)}${String(bundle.bytes).padStart(10)}${String(bundle.gzipBytes).padStart(10)}${String(budget).padStart(10)}`,
  ].join('\n');
}

/** The SDK's size as a figure of the bench's bundle section, against its budget. */
export function clientBundleEntry(bundle: ClientBundle): BenchEntry {
  return figure(BUNDLE_SECTION, 'bundle client SDK (browser, gzip)', bundle.gzipBytes / 1024, 'KB', {
    note: `${(bundle.bytes / 1024).toFixed(1)} KB minified; budget ${CLIENT_BUNDLE_BUDGET_GZIP_BYTES / 1024} KB gzip`,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatClientBundle(await measureClientBundle()));
}
