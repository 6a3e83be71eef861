/**
 * The side-by-side table `npm run bench` prints: one row per figure, grouped by section, with the
 * baseline measured in the same run, the ratio beside it, the goal and whether this run met it, and the
 * lost / duplicated / out-of-order deliveries counted beside every latency.
 */
import { type BenchEntry, meetsGoal } from './entry.ts';

/** `1234.5` → `1,235`; `12.34` → `12.3`; `1.234` → `1.23`: three significant figures or whole units. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  const digits =
    magnitude >= 100 || Number.isInteger(value) ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return '';
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

export function formatGoal(entry: BenchEntry): string {
  if (!entry.goal) return '';
  const met = meetsGoal(entry);
  const bound = `${entry.goal.comparison === 'at-most' ? '≤' : '≥'} ${entry.goal.ratio}`;
  return met === undefined ? bound : `${bound} ${met ? 'met' : 'NOT met'}`;
}

const withUnit = (value: number | undefined, unit: string) =>
  value === undefined ? '' : `${formatNumber(value)} ${unit}`;

const header = ['figure', 'value', 'baseline', 'ratio', 'goal', 'lost/dup/ooo', 'note'] as const;
/** Columns whose text is right-aligned (numbers). */
const rightAligned = new Set([1, 2, 3, 5]);

export function entryRow(entry: BenchEntry): string[] {
  const { deliveries } = entry;
  return [
    entry.name,
    withUnit(entry.value, entry.unit),
    withUnit(entry.baseline, entry.unit),
    formatRatio(entry.ratio),
    formatGoal(entry),
    deliveries ? `${deliveries.lost}/${deliveries.duplicated}/${deliveries.outOfOrder}` : '',
    entry.note ?? '',
  ];
}

/**
 * The whole table as text: a header, then each section's title followed by its rows, in entry order.
 * Entries marked `jsonOnly` are left out.
 */
export function formatTable(all: readonly BenchEntry[]): string {
  const entries = all.filter((entry) => !entry.jsonOnly);
  const rows = entries.map(entryRow);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        rightAligned.has(column)
          ? cell.padStart(widths[column] ?? 0)
          : column === cells.length - 1
            ? cell
            : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((width) => '-'.repeat(width)))];
  let section: string | undefined;
  entries.forEach((entry, index) => {
    if (entry.section !== section) {
      section = entry.section;
      out.push(`${section}`);
    }
    out.push(line(rows[index] as string[]));
  });
  return out.join('\n');
}
