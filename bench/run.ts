/**
 * `npm run bench`: every benchmark, printed as tables. Figures only, no pass/fail: performance is
 * tracked by reading these, never by timing assertions in tests.
 */
import { formatBundleSizes, measureBundleSizes } from './bundle-sizes.ts';
import { formatCapacity, measureCapacity } from './capacity.ts';
import { formatClientBundle, measureClientBundle } from './client-bundle.ts';
import { measureFanOut } from './fan-out.ts';

const print = console.log.bind(console);
// Handlers log a JSON line per request; the benchmark prints its own tables only.
console.log = () => undefined;

print('# Bundle sizes (cdk synth, index.mjs; AWS SDK provided by the runtime)\n');
print(formatBundleSizes(measureBundleSizes()));
print('\n# Client SDK bundle (esbuild, browser, minified; budget 10 KB gzip)\n');
print(formatClientBundle(await measureClientBundle()));
print('\n# DynamoDB capacity per operation (DynamoDB Local, production adapters)\n');
print(formatCapacity(await measureCapacity()));
print('\n# Fan-out on the local stack (one room, one sender, 10 rounds)\n');
print((await measureFanOut()).join('\n'));
