import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Sets the account-wide role that API Gateway assumes to write REST and WebSocket logs to CloudWatch.
 *
 * WebSocket stage access logs need it, and `WebSocketStage` does not create it (unlike `RestApi`'s
 * `cloudWatchRole`). It is one setting per account and Region: deploying this replaces whatever role
 * another stack or a person configured, and deleting the stack leaves the setting pointing at a role
 * that no longer exists. That is why the stack creates it only when asked.
 */
export class ApiGatewayLoggingRole extends Construct {
  readonly role: Role;
  readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
  }
}
