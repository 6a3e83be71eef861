/**
 * What `startLocalStack` accepts and returns. `npm start`'s flags (local/cli-options.ts) map onto these.
 */
import type { FunctionName } from '../lambdas/functions.ts';
import type { GatewayLimits } from './gateway/options.ts';
import type { WebSocketGateway } from './gateway/web-socket-gateway.ts';
import type { IdentityProvider } from './identity/identity-provider.ts';
import type { HandlerLoader } from './lambda/load-functions.ts';
import type { LocalLogger } from './logger.ts';
import type { LocalPolicies } from './policies.ts';

export interface LocalStackOptions {
  /**
   * Port for everything: the HTTP API, the WebSocket endpoint and the @connections API. 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Keeps the table (`<dataDir>/dynamodb`) and the identity provider's key and refresh tokens
   * (`<dataDir>/identity`) across restarts. One stack at a time: `<dataDir>/local-stack.lock` names
   * the stack holding it, and a second one is refused (local/data-dir-lock.ts). Connections an
   * earlier run left in the table are removed at start.
   * @default in memory
   */
  readonly dataDir?: string;
  /** @default 'parley-local' */
  readonly tableName?: string;
  /** @default 'local' */
  readonly stage?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  readonly identity?: {
    /** Lifetime of issued access tokens. @default the identity provider's (3600) */
    readonly tokenTtlSeconds?: number;
    /** A PKCS#8 (or PKCS#1) PEM RSA private key to sign tokens with, instead of a generated one. */
    readonly signingKeyFile?: string;
    /** A users JSON file instead of the demo users. */
    readonly usersFile?: string;
    /** Epoch milliseconds for issued tokens (tests issue expired ones). @default Date.now */
    readonly now?: () => number;
  };
  /**
   * Caps, rate limits, origins, re-authentication timing, tickets: set as the handlers' environment
   * variables before they are imported (see local/policies.ts).
   * @default the handlers' defaults, with LOGIN_COOKIE=true
   */
  readonly policies?: LocalPolicies;
  /**
   * Seconds between runs of each scheduled function, by name (e.g. `{ sweeper: 1 }`); fractions allowed.
   * @default the catalogue's `scheduledFunctions` (sweeper: 60)
   */
  readonly scheduleIntervalSeconds?: Partial<Record<FunctionName, number>>;
  readonly gateway?: {
    /** @default the catalogue's `webSocketIdentitySources` */
    readonly identitySources?: readonly string[];
    /** @default AWS's limits */
    readonly limits?: Partial<GatewayLimits>;
  };
  /** Extra variables for the handlers; they win over everything above. */
  readonly handlerEnvironment?: Readonly<Record<string, string>>;
  /** @default 29000 */
  readonly functionTimeoutMs?: number;
  /** @default 100 */
  readonly streamPollIntervalMs?: number;
  /** @default info lines on stderr */
  readonly logger?: LocalLogger;
  /** @default imports the catalogue's entry files */
  readonly loadHandler?: HandlerLoader;
}

export interface LocalStack {
  /** `http://127.0.0.1:<port>`: POST /login, /refresh, /logout, /ticket, GET /.well-known/jwks.json. */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>/<stage>`; connect with `?token=`, `?ticket=`, the subprotocol or the cookie. */
  readonly webSocketUrl: string;
  /** The @connections endpoint the handlers use (`CALLBACK_URL`). */
  readonly callbackUrl: string;
  readonly port: number;
  readonly tableName: string;
  /** DynamoDB Local, e.g. for a test's own DynamoDBClient. */
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly identity: IdentityProvider;
  /** Test hooks of the WebSocket emulator. */
  readonly gateway: Pick<WebSocketGateway, 'connections' | 'dropConnection'>;
  /** Completed runs of a scheduled function (test hook). */
  scheduledRuns(name: FunctionName): number;
  /**
   * Stops the schedules, sends every connection `closing SERVER_RESTART` and closes it (running
   * `$disconnect`, so rooms hear `left` and rows are removed), stops polling, stops DynamoDB Local,
   * releases the data directory, restores `process.env`.
   */
  stop(): Promise<void>;
}
