/**
 * `npm run cost -- --connections N --rooms R --room-size S --messages-per-minute M` (or
 * `--workload small-team|community|broadcast`): the monthly AWS bill of that workload, line by line.
 */
import { readJsonReport } from '../bench/json-report.ts';
import { codeFacts } from './code-facts.ts';
import { formatBill } from './format.ts';
import { MissingFigureError, profileFromReport } from './measured-profile.ts';
import { estimateMonthlyBill } from './model.ts';
import { CostUsageError, parseCostOptions } from './options.ts';
import { priceTable } from './prices.ts';

try {
  const options = parseCostOptions(process.argv.slice(2));
  const profile = profileFromReport(readJsonReport(options.report), options.report);
  const bill = estimateMonthlyBill(options.workload, options.assumptions, profile, codeFacts, priceTable);
  console.log(formatBill(bill, options.workload, options.assumptions, priceTable, options.report));
} catch (error) {
  if (error instanceof CostUsageError || error instanceof MissingFigureError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
