/**
 * The @connections budget as one DynamoDB item shared by every fan-out worker: a GCRA (generic cell
 * rate algorithm) whose whole state is one number, the theoretical arrival time `tat` of the next post.
 * A reservation of n posts moves `tat` on by n / rate and may start once `tat`, less the burst, is
 * reached; so all workers together post at most `postsPerSecond` on average and `burst` at once.
 *
 * One reservation covers up to a hundred posts, so at 5,000 posts per second the item takes about 50
 * writes per second: far below the 1,000 a partition holds.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PostBudget } from '../core/ports.ts';
import { isConditionFailure } from './dynamo-conditions.ts';
import { keys } from './table-layout.ts';

export interface PostBudgetProps {
  readonly postsPerSecond: number;
  readonly burst: number;
}

export class DynamoPostBudget implements PostBudget {
  private readonly msPerPost: number;
  private readonly burstMs: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    props: PostBudgetProps,
  ) {
    this.msPerPost = 1000 / props.postsPerSecond;
    this.burstMs = props.burst * this.msPerPost;
  }

  async reserve(posts: number, now: number): Promise<number> {
    if (posts <= 0) return 0;
    const cost = posts * this.msPerPost;
    try {
      // An idle budget (tat in the past) restarts from now: one write, no wait.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.postBudget,
          UpdateExpression: 'SET tat = :tat',
          ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
          ExpressionAttributeValues: { ':tat': now + cost, ':now': now },
        }),
      );
      return 0;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // A busy budget: queue behind everyone who reserved before, and wait for our turn less the burst.
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.postBudget,
        UpdateExpression: 'SET tat = tat + :cost',
        ExpressionAttributeValues: { ':cost': cost },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const start = Number(Attributes?.tat) - cost;
    return Math.max(0, Math.ceil(start - this.burstMs - now));
  }
}
