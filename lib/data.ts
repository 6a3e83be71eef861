import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableLayout } from '../lambdas/adapters/table-layout.ts';

export interface DataProps {
  /**
   * What happens to the table (connections and room memberships) when it leaves the stack. `RETAIN` also
   * turns on the table's deletion protection, so a console click or an API call cannot delete it either.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Parley's single DynamoDB table, built from `tableLayout` (lambdas/adapters/table-layout.ts) so the
 * deployed keys, indexes, TTL attribute and stream cannot drift from what the adapters and the local
 * stack use. On-demand billing (chat traffic is bursty) and point-in-time recovery.
 */
export class Data extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableLayout.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableLayout.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableLayout.timeToLiveAttribute,
      stream: StreamViewType[tableLayout.streamViewType],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });

    for (const index of tableLayout.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection.type],
        nonKeyAttributes: index.projection.nonKeyAttributes
          ? [...index.projection.nonKeyAttributes]
          : undefined,
      });
    }
  }
}
