/**
 * AWS list prices for us-east-1, in US dollars, one table with its date and a source for every price.
 * No free tier is applied (it is per account and ends); no savings plans or volume discounts beyond the
 * tiers listed. Each price says how it was checked: `aws` is the official pricing page (its URL), cited
 * as of `asOf` but NOT readable from this build machine, which has no web access; `corroborated` names
 * a stored public page, read on `asOf`, that states the same figure; `unverified` means no source
 * available here stated it and the figure is the official page's as last known. Change prices here only.
 */

export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. `1M messages`. */
  readonly per: string;
  /** The official pricing page. */
  readonly source: string;
  readonly check: { readonly kind: 'corroborated'; readonly by: string } | { readonly kind: 'unverified' };
}

export interface PriceTable {
  readonly region: string;
  /** The day the prices were last checked. */
  readonly asOf: string;
  readonly apiGateway: {
    readonly webSocketMessages: Price;
    readonly webSocketMessagesOverBillion: Price;
    readonly connectionMinutes: Price;
  };
  readonly lambda: { readonly requests: Price; readonly armGbSecond: Price };
  readonly dynamoDb: {
    readonly writeRequestUnits: Price;
    readonly readRequestUnits: Price;
    readonly storage: Price;
  };
  readonly cloudWatch: { readonly logIngestion: Price; readonly logStorage: Price };
  readonly sqs: { readonly fifoRequests: Price };
}

export const priceTable: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11-30',
  apiGateway: {
    /** Messages sent and received, first billion a month; metered in 32 KB increments. */
    webSocketMessages: {
      usd: 1.0,
      per: '1M messages (32 KB each)',
      source: 'https://aws.amazon.com/api-gateway/pricing/',
      check: {
        kind: 'corroborated',
        by: 'https://awsforengineers.com/blog/aws-api-gateway-pricing-explained (May 2025: $1.00 per million, first 1B)',
      },
    },
    /** Past the first billion messages a month. */
    webSocketMessagesOverBillion: {
      usd: 0.8,
      per: '1M messages (32 KB each)',
      source: 'https://aws.amazon.com/api-gateway/pricing/',
      check: { kind: 'unverified' },
    },
    connectionMinutes: {
      usd: 0.25,
      per: '1M connection-minutes',
      source: 'https://aws.amazon.com/api-gateway/pricing/',
      check: { kind: 'unverified' },
    },
  },
  lambda: {
    requests: {
      usd: 0.2,
      per: '1M requests',
      source: 'https://aws.amazon.com/lambda/pricing/',
      check: { kind: 'unverified' },
    },
    /** Arm (Graviton), first 7.5 billion GB-seconds a month: Parley's functions are arm64. */
    armGbSecond: {
      usd: 0.0000133334,
      per: 'GB-second (arm64)',
      source: 'https://aws.amazon.com/lambda/pricing/',
      check: {
        kind: 'corroborated',
        by: 'https://cloudchipr.com/blog/aws-lambda-pricing (arm: $0.0000133334 per GB-s, first 7.5B)',
      },
    },
  },
  dynamoDb: {
    /** On-demand, Standard table class (after the November 2024 price cut). */
    writeRequestUnits: {
      usd: 0.625,
      per: '1M write request units',
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      check: {
        kind: 'corroborated',
        by: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025: $0.625 per million WRU)',
      },
    },
    readRequestUnits: {
      usd: 0.125,
      per: '1M read request units',
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      check: {
        kind: 'corroborated',
        by: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025: $0.125 per million RRU)',
      },
    },
    storage: {
      usd: 0.25,
      per: 'GB-month',
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      check: { kind: 'unverified' },
    },
  },
  cloudWatch: {
    /** Standard log class. */
    logIngestion: {
      usd: 0.5,
      per: 'GB ingested',
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      check: {
        kind: 'corroborated',
        by: 'https://c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1, June 2026: $0.50/GB)',
      },
    },
    logStorage: {
      usd: 0.03,
      per: 'GB-month stored',
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      check: {
        kind: 'corroborated',
        by: 'https://c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1, June 2026: $0.03 per GB-month)',
      },
    },
  },
  sqs: {
    /** FIFO queues, first 100 billion requests a month; each 64 KB chunk of a request is one request. */
    fifoRequests: {
      usd: 0.5,
      per: '1M requests (64 KB each)',
      source: 'https://aws.amazon.com/sqs/pricing/',
      check: { kind: 'unverified' },
    },
  },
};

/** API Gateway meters WebSocket messages in 32 KB increments. */
export const MESSAGE_METERING_BYTES = 32 * 1024;
/** Messages a month past which the lower API Gateway price applies. */
export const MESSAGE_TIER_BOUNDARY = 1e9;
