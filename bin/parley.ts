import { App } from 'aws-cdk-lib';
import { ParleyStack } from '../lib/parley-stack.ts';

const app = new App();
// Environment-agnostic on purpose: synthesises offline, deploys to whatever account and Region the CLI uses.
new ParleyStack(app, 'Parley', {
  description:
    'Parley: authenticated real-time chat rooms (API Gateway WebSocket, Lambda, DynamoDB, Cognito)',
});
