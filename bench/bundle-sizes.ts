/**
 * Bundle size of every deployed function, from a real offline `cdk synth` (the same esbuild run that
 * `cdk deploy` uploads): raw bytes, gzip bytes (close to what Lambda downloads at cold start) and the
 * source map. Functions are matched to their assets through the template's `aws:asset:path` metadata.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type FunctionName, functions } from '../lambdas/functions.ts';
import { type BenchEntry, figure } from './entry.ts';
import { memoryEntryName } from './figure-names.ts';

export interface BundleSize {
  readonly name: FunctionName;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** The function's `MemorySize` in the synthesised template. */
  readonly memoryMb: number;
}

export async function measureBundleSizes(): Promise<BundleSize[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'parley-synth-'));
  try {
    // Asynchronous, so the benchmark can run it beside another one that measures no time.
    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], {
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const template = JSON.parse(readFileSync(join(outdir, 'Parley.template.json'), 'utf8')) as {
      Resources: Record<
        string,
        { Type: string; Metadata?: Record<string, string>; Properties?: { MemorySize?: number } }
      >;
    };
    const resourceOf = (name: FunctionName) =>
      Object.entries(template.Resources).find(
        ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id.startsWith(`${name}Function`),
      )?.[1];
    const assetOf = (name: FunctionName) => {
      const path = resourceOf(name)?.Metadata?.['aws:asset:path'];
      if (!path) throw new Error(`no asset found for function ${name}`);
      return join(outdir, path);
    };
    return (Object.keys(functions) as FunctionName[]).map((name) => {
      const bundle = readFileSync(join(assetOf(name), 'index.mjs'));
      return {
        name,
        bytes: bundle.length,
        gzipBytes: gzipSync(bundle, { level: 9 }).length,
        sourceMapBytes: statSync(join(assetOf(name), 'index.mjs.map')).size,
        memoryMb: resourceOf(name)?.Properties?.MemorySize ?? 128,
      };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(formatTable(bundleSizeEntries(await measureBundleSizes())));
}

export const BUNDLE_SECTION = '6b. Bundle sizes (cdk synth, as deployed: AWS SDK bundled)';

export function bundleSizeEntries(sizes: readonly BundleSize[]): BenchEntry[] {
  return sizes.map((size) =>
    figure(BUNDLE_SECTION, `bundle ${size.name}`, size.bytes / 1024, 'KB', {
      note: `gzip ${(size.gzipBytes / 1024).toFixed(1)} KB, source map ${(size.sourceMapBytes / 1024).toFixed(0)} KB; ${size.memoryMb} MB memory`,
    }),
  );
}

/** Each function's configured memory, from the same template: the cost model bills GB-seconds with it. */
export function memoryEntries(sizes: readonly BundleSize[]): BenchEntry[] {
  return sizes.map((size) =>
    figure(BUNDLE_SECTION, memoryEntryName(size.name), size.memoryMb, 'MB', { jsonOnly: true }),
  );
}
