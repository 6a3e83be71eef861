import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type FunctionName, functions, queueConsumers } from '../lambdas/functions.ts';

/** The repository root: catalogue entries and the lock file are relative to it. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Lets bundled CommonJS dependencies call `require` inside an ES module. Aliased so it cannot clash
 * with a `createRequire` import that esbuild hoists out of a dependency.
 */
export const esmRequireShim =
  "import { createRequire as topLevelCreateRequire } from 'node:module';const require = topLevelCreateRequire(import.meta.url);";

/**
 * Sizes that differ from 256 MB / 10 s. Fan-out functions post to every member of a room, so they get
 * more memory (and with it CPU and network) and API Gateway's full 29 s integration window.
 */
const sizes: Partial<Record<FunctionName, { readonly memorySize: number; readonly timeout: Duration }>> = {
  sendMessage: { memorySize: 512, timeout: Duration.seconds(29) },
  // The fan-out itself: posts to many connections at once, for as long as the queue's consumer allows.
  sequencer: { memorySize: 1024, timeout: Duration.seconds(queueConsumers.sequencer?.timeoutSeconds ?? 60) },
  shardDelivery: {
    memorySize: 1024,
    timeout: Duration.seconds(queueConsumers.shardDelivery?.timeoutSeconds ?? 60),
  },
  disconnect: { memorySize: 512, timeout: Duration.seconds(29) },
  leaveRoom: { memorySize: 512, timeout: Duration.seconds(29) },
  joinRoom: { memorySize: 512, timeout: Duration.seconds(29) },
  rooms: { memorySize: 512, timeout: Duration.seconds(29) },
  moderation: { memorySize: 512, timeout: Duration.seconds(29) },
  history: { memorySize: 512, timeout: Duration.seconds(29) },
  connectionEvents: { memorySize: 512, timeout: Duration.seconds(30) },
  // Fans a notification out to a user, a room or every connection inside the HTTP API's 30 s window.
  notify: { memorySize: 512, timeout: Duration.seconds(29) },
  // Notifies, closes and announces departures for every due connection; finishes inside its 60 s schedule.
  sweeper: { memorySize: 512, timeout: Duration.seconds(50) },
};

export interface ParleyFunctionProps {
  /** Which catalogue entry (lambdas/functions.ts) this function deploys. */
  readonly name: FunctionName;
  /**
   * Environment variables, on top of `NODE_OPTIONS=--enable-source-maps`.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Memory in MB. CPU share grows with memory, so this is also the CPU knob.
   * @default 512 for the functions that fan out to a room and the sweeper, otherwise 256
   */
  readonly memorySize?: number;
  /**
   * Maximum run time. API Gateway stops waiting for WebSocket and HTTP integrations after 29 s.
   * @default 29 s for the functions that fan out to a room (30 s for connectionEvents, 50 s for the
   * sweeper), otherwise 10 s
   */
  readonly timeout?: Duration;
  /**
   * How long the function's CloudWatch log group keeps events.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Parley Lambda function with the house defaults: Node.js 22 on arm64, minified ESM with source
 * maps, bundled by the local esbuild, and its own log group with a bounded retention.
 *
 * The AWS SDK v3 is bundled with each function (`bundleAwsSDK`), not taken from the runtime: measured
 * by `npm run bench` (figure 6), module initialisation costs 1.6× to 3.7× the CPU with the runtime's SDK,
 * for every function, against 336–483 KB bundles (103–143 KB gzip) instead of 17–91 KB. It also pins the
 * deployed SDK to the version in package-lock.json, the one the tests ran against.
 */
export class ParleyFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ParleyFunctionProps) {
    const definition = functions[props.name];
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Not the default role, whose AWSLambdaBasicExecutionRole may write to every log group (`*`): this
    // one may write to its own log group only (granted below).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Parley ${props.name} function`,
    });
    super(scope, id, {
      entry: join(projectRoot, definition.entry),
      handler: 'handler',
      description: definition.description,
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      // Explicit: NODEJS_LATEST would move under us and would also bundle the whole SDK.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? sizes[props.name]?.memorySize ?? 256,
      timeout: props.timeout ?? sizes[props.name]?.timeout ?? Duration.seconds(10),
      logGroup,
      role,
      environment: {
        // Stack traces point at lambdas/**/*.ts instead of minified index.mjs.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The mappings are enough for stack traces; embedding the sources would double the asset.
        sourcesContent: false,
        banner: esmRequireShim,
        // Faster cold starts and the tested SDK version (see the class comment).
        bundleAwsSDK: true,
      },
    });
    logGroup.grantWrite(this);
  }
}
