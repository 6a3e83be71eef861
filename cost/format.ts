/** The bill as text: one line per charge, the total, where the money goes, and what it rests on. */
import { formatNumber } from '../bench/table.ts';
import { type Assumptions, type Bill, shareByService, type Workload } from './model.ts';
import type { PriceTable } from './prices.ts';

export function formatUsd(usd: number): string {
  return usd >= 100
    ? `$${Math.round(usd).toLocaleString('en-US')}`
    : `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const priceText = (price: number, per: number) =>
  `$${price} per ${per === 1 ? '' : per === 1e6 ? 'million ' : `${per} `}`.trimEnd();

export function formatBill(
  bill: Bill,
  workload: Workload,
  assumptions: Assumptions,
  prices: PriceTable,
  report: string,
): string {
  const rows = bill.lines.map((entry) => [
    entry.service,
    entry.item,
    `${formatNumber(entry.quantity)} ${entry.unit}`,
    `${priceText(entry.price, entry.per)} ${entry.per === 1 ? entry.unit.replace(/s$/, '') : ''}`.trimEnd(),
    formatUsd(entry.usd),
  ]);
  const header = ['service', 'charge', 'quantity a month', 'price', 'a month'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 2 || column === 4 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const volumes = bill.volumes;
  return [
    `# Monthly AWS bill, ${prices.region} list prices as of ${prices.asOf} (cost/prices.ts), no free tier`,
    `workload: ${formatNumber(workload.connections)} connections open on average, ${formatNumber(workload.rooms)} rooms of ${formatNumber(workload.roomSize)}, ${formatNumber(workload.messagesPerMinute)} messages a minute`,
    '',
    render(header),
    render(widths.map((width) => '-'.repeat(width))),
    ...rows.map(render),
    render(['total', '', '', '', formatUsd(bill.totalUsd)]),
    '',
    `where the money goes: ${shareByService(bill)
      .map((part) => `${part.service} ${Math.round(part.share * 100)}%`)
      .join(', ')}`,
    `volumes: ${formatNumber(volumes.messages ?? 0)} messages sent, each delivered as ${formatNumber(volumes.framesPerMessage ?? 0)} frames; ${formatNumber(volumes.sessions ?? 0)} connections opened, ${formatNumber(volumes.joins ?? 0)} joins, ${formatNumber(volumes.sweeps ?? 0)} sweeps`,
    ...bill.warnings.map((warning) => `WARNING: ${warning}`),
    `measured per operation: ${report} (npm run bench -- --json ${report}); prices: cost/prices.ts`,
    `assumptions: ${assumptions.messageBytes} B messages, ${assumptions.sessionMinutes}-minute connections, ${assumptions.platformLogBytesPerInvocation} B Lambda platform log per invocation, ${assumptions.accessLogBytesPerRequest} B access-log line per request, ${assumptions.logRetentionMonths}-month log retention, ${assumptions.membershipNotices ? 'joins and departures announced to the room' : 'no join or leave notices'}${
      Object.keys(assumptions.durationMs).length
        ? `, durations ${Object.entries(assumptions.durationMs)
            .map(([name, ms]) => `${name} ${ms} ms`)
            .join(', ')}`
        : ', measured local-stack durations'
    }`,
  ].join('\n');
}
