/**
 * One room's queue of sends. Each message gets a `clientMsgId` when it is queued and keeps it through
 * every retransmission, so the server stores it once however often it is sent (it answers a repeat
 * with the first send's `ack`). Messages go out one at a time, the next when the previous is acked:
 * a refusal (`RATE_LIMITED`, `ROOM_BUSY`, waited out by the client's request layer) can then never let
 * a later message overtake an earlier one.
 */
import type { AckFrame, ClientRequest } from '../../lambdas/core/wire.ts';
import type { Scheduler } from './environment.ts';
import { ConnectionLostError, RefusedError, TimeoutError } from './errors.ts';

export interface OutboxHost {
  /** Whether the room is joined on the connection requests go out on. */
  ready(): boolean;
  request(request: ClientRequest): Promise<AckFrame>;
  readonly scheduler: Scheduler;
  /** The wait before retry number `attempt`. */
  backoff(attempt: number): number;
}

interface Entry {
  readonly request: ClientRequest & { readonly clientMsgId: string };
  readonly resolve: (ack: AckFrame) => void;
  readonly reject: (error: Error) => void;
  failures: number;
}

/** `INTERNAL_ERROR` leaves it open whether the message was stored; the `clientMsgId` makes retrying safe. */
const MAX_INTERNAL_ERRORS = 3;

export class Outbox {
  readonly #queue: Entry[] = [];
  /** The transmission on the wire, awaiting its ack (an object per transmission, so a stale reply is recognised). */
  #sending?: { readonly entry: Entry };
  #retry: unknown;

  constructor(private readonly host: OutboxHost) {}

  get size(): number {
    return this.#queue.length;
  }

  push(request: Entry['request']): Promise<AckFrame> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject, failures: 0 });
      this.pump();
    });
  }

  /** Sends the head of the queue if nothing is on the wire and the room is ready. */
  pump(): void {
    const entry = this.#queue[0];
    if (!entry || this.#sending || !this.host.ready()) return;
    const sending = { entry };
    this.#sending = sending;
    this.host.request(entry.request).then(
      (ack) => this.#settle(entry, ack),
      (error: Error) => {
        if (this.#sending !== sending) return; // acked meanwhile (a late first ack), or the room closed
        this.#sending = undefined;
        // Lost with a retired connection: again now on the current one; lost with the current one: after the rejoin.
        if (error instanceof ConnectionLostError) return this.pump();
        if (error instanceof TimeoutError) return this.pump(); // same clientMsgId: stored at most once
        if (
          error instanceof RefusedError &&
          error.code === 'INTERNAL_ERROR' &&
          ++entry.failures < MAX_INTERNAL_ERRORS
        ) {
          this.#retry = this.host.scheduler.setTimeout(
            () => this.pump(),
            this.host.backoff(entry.failures - 1),
          );
          return;
        }
        this.#queue.shift();
        entry.reject(error);
        this.pump();
      },
    );
  }

  /** Settles the send an ack frame is for (matched by `clientMsgId`, as a late ack has no pending request). */
  acked(ack: AckFrame): void {
    const entry = this.#queue.find((queued) => queued.request.clientMsgId === ack.clientMsgId);
    if (entry) this.#settle(entry, ack);
  }

  /** A second ack for the same message (a retransmission's) finds it settled and changes nothing. */
  #settle(entry: Entry, ack: AckFrame): void {
    const index = this.#queue.indexOf(entry);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    if (this.#sending?.entry === entry) this.#sending = undefined;
    entry.resolve(ack);
    this.pump();
  }

  /** Rejects every queued send. */
  fail(error: Error): void {
    this.host.scheduler.clearTimeout(this.#retry);
    this.#sending = undefined;
    for (const entry of this.#queue.splice(0)) entry.reject(error);
  }
}
