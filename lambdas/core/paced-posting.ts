/**
 * Posts frames to many connections: each recipient gets its frames one after another, in order, and
 * recipients are served side by side up to a concurrency limit. Every post is paid for from the shared
 * @connections budget before it is made, so all workers together stay under the account's rate.
 *
 * A post that fails for a passing reason (429 throttling, a 5xx or a network error, after the SDK's own
 * retries) is tried again with growing pauses, from the frame that failed, until the deadline; a
 * recipient still failing then is reported as undelivered so the caller can have the whole delivery
 * retried (never silently dropped). A gone connection (410) gets nothing more and is reported. A post
 * refused for good (403, 413) is logged and skipped: no retry can make it succeed.
 */
import { forEachConcurrently } from './concurrency.ts';
import { ConnectionThrottledError, PostRejectedError } from './errors.ts';
import { describeFailure } from './failure.ts';
import type { OutgoingFrame } from './fanout-publications.ts';
import type { Clock, ConnectionGateway, Logger, PostBudget } from './ports.ts';

export interface PostingDeps {
  readonly gateway: ConnectionGateway;
  readonly budget: PostBudget;
  readonly logger: Logger;
  readonly now: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface PostingRules {
  /** Recipients posted to at once by one worker. */
  readonly concurrency: number;
  /** First pause after a passing failure; it doubles up to {@link maxBackoffMs}, with jitter. */
  readonly firstBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface PostingReport {
  readonly posted: number;
  /** Connections found gone (410): they got nothing after the frame that found them gone. */
  readonly gone: readonly string[];
  /** Connections that still had frames to get when the deadline came. */
  readonly undelivered: readonly string[];
  /** Posts refused for good, skipped. */
  readonly rejected: number;
}

/** No budget: every post may go at once (a deployment that sets POSTS_PER_SECOND to 0, and unit tests). */
export const unlimitedPostBudget: PostBudget = { reserve: async () => 0 };

/** Budget reservations cover this many posts at most, so one worker never holds much of the budget. */
const RESERVATION = 100;

export async function postFrames(
  deps: PostingDeps,
  rules: PostingRules,
  recipients: readonly string[],
  frames: readonly OutgoingFrame[],
  deadline: number,
): Promise<PostingReport> {
  const encoder = new TextEncoder();
  const payloads = frames.map((frame) => ({ bytes: encoder.encode(frame.data), exclude: frame.exclude }));
  const gone: string[] = [];
  const undelivered: string[] = [];
  let posted = 0;
  let rejected = 0;

  const framesFor = (connectionId: string) =>
    payloads.filter((payload) => payload.exclude !== connectionId).map((payload) => payload.bytes);

  for (let start = 0; start < recipients.length; ) {
    // A slice of recipients whose posts fit one reservation (at least one recipient, whatever its count).
    let count = 0;
    let end = start;
    while (end < recipients.length) {
      const next = framesFor(recipients[end] as string).length;
      if (end > start && count + next > RESERVATION) break;
      count += next;
      end++;
    }
    const slice = recipients.slice(start, end);
    start = end;
    if (count === 0) continue;
    const wait = await deps.budget.reserve(count, deps.now());
    if (deps.now() + wait >= deadline) {
      // The budget is spent well past the deadline: give the rest back rather than sleep through it.
      undelivered.push(...slice, ...recipients.slice(start));
      deps.logger.warn('the @connections budget is spent past the deadline', {
        waitMs: wait,
        left: undelivered.length,
      });
      break;
    }
    if (wait > 0) await deps.sleep(wait);

    await forEachConcurrently(slice, rules.concurrency, async (connectionId) => {
      const queue = framesFor(connectionId);
      let backoff = rules.firstBackoffMs;
      for (let index = 0; index < queue.length; ) {
        try {
          if ((await deps.gateway.post(connectionId, queue[index] as Uint8Array)) === 'gone') {
            gone.push(connectionId);
            return;
          }
          posted++;
          index++;
          backoff = rules.firstBackoffMs;
        } catch (error) {
          if (error instanceof PostRejectedError) {
            rejected++;
            deps.logger.warn('post refused for good; skipped', { connectionId, ...describeFailure(error) });
            index++;
            continue;
          }
          const pause = backoff / 2 + Math.random() * (backoff / 2);
          if (deps.now() + pause >= deadline) {
            undelivered.push(connectionId);
            deps.logger.warn('post still failing at the deadline', {
              connectionId,
              throttled: error instanceof ConnectionThrottledError,
              ...describeFailure(error),
            });
            return;
          }
          await deps.sleep(pause);
          // A retry is a request like any other: paid for, so a storm of 429s does not feed itself.
          const wait = await deps.budget.reserve(1, deps.now());
          if (wait > 0) await deps.sleep(wait);
          backoff = Math.min(backoff * 2, rules.maxBackoffMs);
        }
      }
    });
  }
  return { posted, gone, undelivered, rejected };
}
