/** Scheduled sweep of expiring, expired and outlived connections (see lambdas/core/sweeper.ts). */
import { loadSweepConfig } from '../config.ts';
import { describeFailure } from '../core/failure.ts';
import { type SweepDeps, type SweepReport, sweepConnections } from '../core/sweeper.ts';
import { loggerFor, sessionDepsFromEnv } from './wiring.ts';

export function createSweeperHandler(deps: SweepDeps, policy = loadSweepConfig()) {
  return async (): Promise<SweepReport> => {
    try {
      const report = await sweepConnections(deps, policy);
      if (report.examined > 0) deps.logger.info('sweep finished', { ...report });
      return report;
    } catch (error) {
      deps.logger.error('sweep failed', describeFailure(error));
      throw error;
    }
  };
}

export const handler = createSweeperHandler(sessionDepsFromEnv(loggerFor('sweeper')));
