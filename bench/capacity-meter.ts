/**
 * Counts DynamoDB capacity per operation: a middleware asks every request for its consumed capacity
 * (`ReturnConsumedCapacity: TOTAL`, table and indexes together) and adds it up, so the store adapters
 * are measured unchanged. DynamoDB Local reports only the total units, so reads and writes are told
 * apart by the kind of request.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface CapacityReading {
  readonly requests: number;
  readonly read: number;
  readonly write: number;
  /** The part of `read` consumed by transactions (TransactGetItems), which AWS bills twice. */
  readonly transactionalRead: number;
  /** The part of `write` consumed by transactions (TransactWriteItems), which AWS bills twice. */
  readonly transactionalWrite: number;
}

export class CapacityMeter {
  private requests = 0;
  private read = 0;
  private write = 0;
  private transactionalRead = 0;
  private transactionalWrite = 0;

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity = 'TOTAL';
        const isRead = /^(Get|BatchGet|Query|Scan|TransactGet)/.test(context.commandName ?? '');
        const isTransaction = /^Transact/.test(context.commandName ?? '');
        try {
          const result = await next(args);
          this.record(
            (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity,
            isRead,
            isTransaction,
          );
          return result;
        } catch (error) {
          // Failed conditions and cancelled transactions consume capacity too; count the request.
          this.requests++;
          throw error;
        }
      },
      { step: 'initialize', name: 'capacityMeter' },
    );
  }

  /** Runs `operation` and returns what it consumed. */
  async measure(operation: () => Promise<unknown>): Promise<CapacityReading> {
    const before = {
      requests: this.requests,
      read: this.read,
      write: this.write,
      transactionalRead: this.transactionalRead,
      transactionalWrite: this.transactionalWrite,
    };
    await operation();
    return {
      requests: this.requests - before.requests,
      read: this.read - before.read,
      write: this.write - before.write,
      transactionalRead: this.transactionalRead - before.transactionalRead,
      transactionalWrite: this.transactionalWrite - before.transactionalWrite,
    };
  }

  private record(
    consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
    isRead: boolean,
    isTransaction: boolean,
  ): void {
    this.requests++;
    const units = [consumed ?? []].flat().reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
    if (isRead) this.read += units;
    else this.write += units;
    if (isTransaction && isRead) this.transactionalRead += units;
    if (isTransaction && !isRead) this.transactionalWrite += units;
  }
}
