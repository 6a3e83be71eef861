import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ClientAttributes, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { defaults } from '../lambdas/defaults.ts';

/** Cognito groups Parley knows, highest precedence first (a lower precedence number wins). */
export const userGroups = ['admin', 'moderator'] as const;

export interface AccountsProps {
  /**
   * What happens to the user pool (every account and password) when it leaves the stack. `RETAIN` also
   * turns on the pool's deletion protection, so a console click or an API call cannot delete it either.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The only attributes a user's own access token may change (UpdateUserAttributes): display settings.
 * Every access token from InitiateAuth carries the `aws.cognito.signin.user.admin` scope; were `email`
 * or `phone_number` writable, a leaked token could move the account to the thief's address and reset
 * the password from there. (An empty list would mean "every standard attribute" to Cognito.)
 */
export const userWritableAttributes = new ClientAttributes().withStandardAttributes({
  fullname: true,
  nickname: true,
  locale: true,
  timezone: true,
});

/**
 * Who may use Parley: a Cognito user pool whose accounts an administrator creates (no self sign-up),
 * signing in by username, and one public app client that the login and refresh endpoints use.
 */
export class Accounts extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: AccountsProps = {}) {
    super(scope, id);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });

    // No secret: the browser-facing /login and /refresh functions call InitiateAuth as a public client.
    // USER_PASSWORD_AUTH only (CDK always adds ALLOW_REFRESH_TOKEN_AUTH); no hosted UI or OAuth flows.
    this.client = this.userPool.addClient('Client', {
      generateSecret: false,
      authFlows: { userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      writeAttributes: userWritableAttributes,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(defaults.refreshTokenValidityDays),
    });

    userGroups.forEach((groupName, precedence) => {
      this.userPool.addGroup(`${groupName}Group`, { groupName, precedence });
    });
  }
}
