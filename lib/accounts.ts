import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Cognito groups Parley knows, highest precedence first (a lower precedence number wins). */
export const userGroups = ['admin', 'moderator'] as const;

export interface AccountsProps {
  /**
   * What happens to the user pool (every account and password) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Who may use Parley: a Cognito user pool whose accounts an administrator creates (no self sign-up),
 * signing in by username, and one public app client that the login and refresh endpoints use.
 */
export class Accounts extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: AccountsProps = {}) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // No secret: the browser-facing /login and /refresh functions call InitiateAuth as a public client.
    // USER_PASSWORD_AUTH only (CDK always adds ALLOW_REFRESH_TOKEN_AUTH); no hosted UI or OAuth flows.
    this.client = this.userPool.addClient('Client', {
      generateSecret: false,
      authFlows: { userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    userGroups.forEach((groupName, precedence) => {
      this.userPool.addGroup(`${groupName}Group`, { groupName, precedence });
    });
  }
}
