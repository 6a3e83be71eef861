/**
 * Figure 6: module initialisation of every function, with the AWS SDK taken from the runtime (left
 * external, as NodejsFunction does by default) against the SDK bundled into the function (as
 * `ParleyFunction` deploys since this figure). Each function
 * is bundled both ways with esbuild and the settings of lib/parley-function.ts (minified ESM for node22,
 * source maps, the same banner); the external variant imports the SDK unbundled from node_modules, as
 * the runtime's copy would be. Each import runs in a fresh `node --enable-source-maps` process (the
 * deployed NODE_OPTIONS) and reports the CPU time the import took; the variants alternate, medians.
 *
 * Locally this is x86 Node 20 reading from a warm page cache; on Lambda (arm64, Node 22, a cold file
 * system) absolute times differ, the ratio between the variants is what carries over.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type FunctionName, functions } from '../lambdas/functions.ts';
import { esmRequireShim, projectRoot } from '../lib/parley-function.ts';
import { handlerEnvironment } from '../local/environment.ts';
import { type BenchEntry, compared } from './entry.ts';
import { median } from './stats.ts';

export const SECTION = '6. Module initialisation CPU: AWS SDK from the runtime ÷ SDK bundled';

export type SdkSource = 'runtime' | 'bundled';

export interface ModuleInitOptions {
  readonly runs: number;
  /**
   * One unmeasured import of each variant first, so both start from the same page cache.
   * @default true
   */
  readonly warmUp?: boolean;
  /** @default every function in the catalogue */
  readonly only?: readonly FunctionName[];
}

export interface ModuleInitResult {
  readonly name: FunctionName;
  readonly cpuMs: Readonly<Record<SdkSource, number>>;
  readonly bytes: Readonly<Record<SdkSource, number>>;
  readonly gzipBytes: Readonly<Record<SdkSource, number>>;
}

/**
 * What a handler reads at import: the environment the local stack gives every handler (so a new
 * setting reaches this benchmark when it reaches the stack), with addresses that are never contacted.
 */
const importEnvironment = handlerEnvironment({
  tableName: 'parley-bench',
  callbackUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod',
  dynamoEndpoint: 'http://127.0.0.1:9',
  queueEndpoint: 'http://127.0.0.1:9',
  publicationQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/parley-publications.fifo',
  deliveryQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/parley-deliveries.fifo',
  region: 'us-east-1',
  secrets: {
    endpoint: 'http://127.0.0.1:9',
    ticketKeySecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:parley-ticket-key',
  },
  authorizerEnv: {
    AUTH_MODE: 'cognito',
    COGNITO_USER_POOL_ID: 'us-east-1_BenchPool1',
    COGNITO_CLIENT_ID: 'benchclientid',
  },
});

/** Runs in the fresh process: the CPU time (user + system, all threads) and wall time of one import. */
const probe = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.env.PARLEY_BENCH_MODULE);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started }));
`;

async function bundle(name: FunctionName, sdk: SdkSource, outdir: string): Promise<string> {
  const outfile = join(outdir, `${name}-${sdk}`, 'index.mjs');
  await build({
    entryPoints: [join(projectRoot, functions[name].entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: esmRequireShim },
    external: sdk === 'runtime' ? ['@aws-sdk/*'] : [],
    logLevel: 'silent',
  });
  return outfile;
}

function importCpuMs(file: string): number {
  const output = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', probe],
    {
      env: { PATH: process.env.PATH ?? '', ...importEnvironment, PARLEY_BENCH_MODULE: file },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return (JSON.parse(output) as { cpuMs: number }).cpuMs;
}

export async function measureModuleInit(options: ModuleInitOptions): Promise<ModuleInitResult[]> {
  // Inside the project, so the external SDK resolves from its node_modules as the runtime's would.
  const outdir = join(projectRoot, 'node_modules', '.cache', 'parley-bench', 'module-init');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  try {
    const names = options.only ?? (Object.keys(functions) as FunctionName[]);
    const results: ModuleInitResult[] = [];
    for (const name of names) {
      const files = {
        runtime: await bundle(name, 'runtime', outdir),
        bundled: await bundle(name, 'bundled', outdir),
      };
      const samples: Record<SdkSource, number[]> = { runtime: [], bundled: [] };
      if (options.warmUp ?? true) {
        importCpuMs(files.runtime);
        importCpuMs(files.bundled);
      }
      for (let run = 0; run < options.runs; run++) {
        samples.runtime.push(importCpuMs(files.runtime));
        samples.bundled.push(importCpuMs(files.bundled));
      }
      const raw = { runtime: readFileSync(files.runtime), bundled: readFileSync(files.bundled) };
      results.push({
        name,
        cpuMs: { runtime: median(samples.runtime), bundled: median(samples.bundled) },
        bytes: { runtime: raw.runtime.length, bundled: raw.bundled.length },
        gzipBytes: { runtime: gzipSync(raw.runtime).length, bundled: gzipSync(raw.bundled).length },
      });
    }
    return results;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;

export function moduleInitEntries(results: readonly ModuleInitResult[], runs: number): BenchEntry[] {
  return results.map((result) =>
    compared(SECTION, `init ${result.name}`, result.cpuMs.runtime, result.cpuMs.bundled, 'ms CPU', {
      note: `bundle ${kb(result.bytes.runtime)} vs ${kb(result.bytes.bundled)} (gzip ${kb(result.gzipBytes.runtime)} vs ${kb(result.gzipBytes.bundled)}); median of ${runs}`,
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./table.ts');
  console.log(formatTable(moduleInitEntries(await measureModuleInit({ runs: 5 }), 5)));
}
