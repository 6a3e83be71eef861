/**
 * `npm run bench [-- --quick] [--json FILE] [--svg FILE] [--only a,b]`: every benchmark, printed as one
 * side-by-side table in which each figure measured against a baseline has that baseline, measured in
 * the same run, and the ratio beside it. Figures only, no pass/fail: performance is tracked by reading
 * these, never by timing assertions in tests.
 */

import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { measureBroadcastOverhead } from './broadcast-overhead.ts';
import { bundleSizeEntries, measureBundleSizes, memoryEntries } from './bundle-sizes.ts';
import { capacityEntries, measureCapacity } from './capacity.ts';
import { clientBundleEntry, measureClientBundle } from './client-bundle.ts';
import { measureConnectionsHeld } from './connections-held.ts';
import type { BenchEntry } from './entry.ts';
import { measureFanOut } from './fan-out.ts';
import { writeJsonReport } from './json-report.ts';
import { measureModuleInit, moduleInitEntries } from './module-init.ts';
import { type BenchmarkName, BenchUsageError, parseBenchOptions } from './options.ts';
import { renderRatioChart } from './svg-chart.ts';
import { formatTable } from './table.ts';
import { measureVerifyThroughput } from './verify-throughput.ts';

const print = console.log.bind(console);
// Handlers log a JSON line per request; the benchmark prints its own table only.
console.log = () => undefined;

let options: ReturnType<typeof parseBenchOptions>;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const quick = options.quick;

const benchmarks: Record<BenchmarkName, () => Promise<BenchEntry[]>> = {
  broadcast: () => measureBroadcastOverhead({ members: 1000, rounds: quick ? 5 : 15, latencyMs: 10 }),
  'fan-out': () =>
    measureFanOut({
      ...(quick
        ? { roomSizes: [10, 100, 1000], paced: 5, burst: 5, connectPerSecond: 250 }
        : { roomSizes: [10, 100, 1000, 10_000], paced: 10, burst: 20, connectPerSecond: 250 }),
      ...(options.roomSizes ? { roomSizes: options.roomSizes } : {}),
    }),
  capacity: async () => capacityEntries(await measureCapacity()),
  verify: () => measureVerifyThroughput(quick ? { tokens: 1000, passes: 3 } : { tokens: 3000, passes: 5 }),
  connections: () =>
    measureConnectionsHeld({
      ...(quick
        ? { connections: 500, perSecond: 250, holdSeconds: 5 }
        : { connections: 50_000, perSecond: 250, holdSeconds: 60 }),
      ...(options.connections ? { connections: options.connections } : {}),
    }),
  'module-init': async () => {
    const runs = quick ? 3 : 11;
    // Both variants were just written, so both are in the page cache already: quick runs skip the warm-up.
    return moduleInitEntries(await measureModuleInit({ runs, warmUp: !quick }), runs);
  },
  'bundle-sizes': async () => {
    const sizes = await measureBundleSizes();
    return [
      ...bundleSizeEntries(sizes),
      ...memoryEntries(sizes),
      clientBundleEntry(await measureClientBundle()),
    ];
  },
};

const started = Date.now();
const loadBefore = loadavg()[0] ?? 0;
const entries: BenchEntry[] = [];
const failures: string[] = [];
/** Benchmarks that count (units, bytes) and time nothing: they may share the machine with each other. */
const timeless: readonly BenchmarkName[] = ['capacity', 'bundle-sizes'];
const together = timeless.filter((name) => options.only.includes(name));
const steps: BenchmarkName[][] = [];
for (const name of options.only) {
  if (!together.includes(name)) steps.push([name]);
  else if (name === together[0]) steps.push([...together]);
}
for (const step of steps) {
  const began = Date.now();
  process.stderr.write(`bench: ${step.join(' + ')}…`);
  // One benchmark that fails (a handler that no longer starts, a port taken) loses its own figures only.
  const results = await Promise.allSettled(step.map((name) => benchmarks[name]()));
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') entries.push(...result.value);
    else
      failures.push(
        `${step[index]}: ${String((result.reason as Error)?.message ?? result.reason).split('\n')[0]}`,
      );
  });
  process.stderr.write(` ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
}
// Sections are numbered as the issue numbers them; runs are ordered for speed, the table by section.
entries.sort((a, b) => (a.section < b.section ? -1 : a.section > b.section ? 1 : 0));

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`;
print(
  `# npm run bench${quick ? ' -- --quick' : ''}: ${new Date().toISOString().slice(0, 10)}, ${minutes} min, ${machine}\n`,
);
print(formatTable(entries));
print(
  [
    '',
    'Every ratio is value ÷ baseline, both measured in this run on this machine. lost/dup/ooo: deliveries lost,',
    "duplicated and out of order. Absolute figures move with the machine's load; read the ratios.",
  ].join('\n'),
);
if (failures.length > 0) {
  print(`\nFAILED, so missing from the table:\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
  process.exitCode = 1;
}
if (options.json) {
  writeJsonReport(options.json, entries);
  print(`\nJSON: ${options.json}`);
}
if (options.svg) {
  writeFileSync(
    options.svg,
    renderRatioChart(entries, {
      title: 'Parley: each figure ÷ its baseline, measured in the same run',
      subtitle: `npm run bench${quick ? ' -- --quick' : ''}, ${new Date().toISOString().slice(0, 10)}, ${machine}`,
    }),
  );
  print(`SVG: ${options.svg}`);
}
