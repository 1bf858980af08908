import { Aws, Duration, Fn, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface SignInUserPoolProps {
  /** What happens to the pool (its users) when it leaves the stack. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A Cognito user pool for the web page's sign-in (`-c cognito=true`): administrators add the users (no self
 * sign-up), sign-in by email with a password and a one-time code (TOTP), Cognito's hosted login on a domain of its
 * own, and a public app client for the authorization-code flow with PKCE whose callback is the API's URL.
 */
export class SignInUserPool extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;
  /** The JWT authorizer's issuer: the pool's. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: SignInUserPoolProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection (the Plus feature plan) is a paid option left to the operator; the pool takes no self sign-up and requires a TOTP second factor',
    });
    this.domain = this.userPool.addDomain('Domain', {
      // Cognito domain prefixes are global per region: the stack's own id makes this one unique.
      cognitoDomain: { domainPrefix: Fn.join('', ['xclip-', Fn.select(2, Fn.split('/', Aws.STACK_ID))]) },
    });
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
  }

  /** The web page's client: public (no secret), code flow only, `callbackUrl` as its one redirect. */
  addWebClient(callbackUrl: string): UserPoolClient {
    return this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [callbackUrl],
      },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
    });
  }
}
