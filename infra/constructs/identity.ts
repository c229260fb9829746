import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { RoleGroups } from '../../functions/shared/http/roles.ts';
import type { IdentityConfig } from '../config.ts';

/**
 * The groups the functions read from the groups claim (functions/shared/http/principal.ts): the
 * names configured for each role (context adminGroups, agentGroups, requesterGroups), by default
 * `admin` and `agent`. Without requester groups every signed-in user is a requester; `admin` implies `agent`.
 */
const ROLE_GROUP_DEFAULTS = {
  admin: { precedence: 0, description: 'Administers the directory and configuration; also works incidents and changes' },
  agent: { precedence: 10, description: 'Works incidents and changes: triage, assignment, notes, resolution' },
  requester: { precedence: 20, description: 'Raises incidents and follows their own' },
} as const;

/**
 * A group's construct id follows its name, never its position in the configuration: a group name
 * cannot change in place (CloudFormation replaces the group, and its members with it), so adding,
 * removing or reordering names must leave every other group's resource as it is. The two default
 * groups keep the ids they always had.
 */
export function userPoolGroupId(groupName: string): string {
  if (groupName === 'admin') return 'AdminGroup';
  if (groupName === 'agent') return 'AgentGroup';
  // A construct id may hold anything but '/'; the logical id CDK derives from it stays unique by its path hash.
  return `Group-${groupName.replace(/\//g, '%2F')}`;
}

/**
 * Who may call the API, as seen by its JWT authorizer: an issuer and the audiences it accepts.
 *
 * By default a Cognito user pool is created. With context `oidcIssuer` + `oidcAudience` the
 * issuer of an existing identity provider is used instead and no user pool exists at all, so an
 * organisation keeps one place where people and MFA are managed.
 */
export class Identity extends Construct {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly userPool: UserPool | undefined;
  readonly userPoolClient: UserPoolClient | undefined;

  constructor(scope: Construct, id: string, config: IdentityConfig, roleGroups: RoleGroups) {
    super(scope, id);

    if (config.kind === 'oidc') {
      this.issuer = config.issuer;
      this.audience = config.audience;
      this.userPool = undefined;
      this.userPoolClient = undefined;
      return;
    }

    const plus = config.featurePlan === 'plus';
    const userPool = new UserPool(this, 'UserPool', {
      // People are invited by an admin: an ITSM holds internal data, nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      // Agents and admins see every incident: a password alone is not enough. TOTP only, so no
      // SMS role, no SMS spend and no SIM-swap exposure.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: plus ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(plus ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      // The pool holds the people and their MFA secrets: losing it locks everybody out.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (!plus) {
      Validations.of(userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user, so it is opt-in: deploy with -c cognitoFeaturePlan=plus. Without it, self sign-up is off (admins invite users), TOTP MFA is required and the password policy is strong, which covers the credential-stuffing risk Plus mitigates.',
      });
    }

    const hostedLogin = config.callbackUrls.length > 0;
    // A public client (no secret): browsers and CLIs cannot keep one. Tokens come either from SRP
    // sign-in (Amplify-style SPA) or, when callback URLs are given, from the authorization code
    // flow, where Cognito enforces PKCE for clients without a secret.
    const client = userPool.addClient('ApiClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      ...(hostedLogin
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls: [...config.callbackUrls],
              ...(config.logoutUrls.length > 0 ? { logoutUrls: [...config.logoutUrls] } : {}),
            },
          }
        : // Without this CDK would enable OAuth with https://example.com as the callback URL.
          { disableOAuth: true }),
    });

    if (config.domainPrefix !== undefined) {
      userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: config.domainPrefix } });
    }

    for (const role of ['admin', 'agent', 'requester'] as const) {
      for (const groupName of roleGroups[role]) userPool.addGroup(userPoolGroupId(groupName), { groupName, ...ROLE_GROUP_DEFAULTS[role] });
    }

    this.userPool = userPool;
    this.userPoolClient = client;
    // Cognito access tokens carry `client_id` instead of `aud`; API Gateway's JWT authorizer
    // checks the audience list against either claim, so the client id is the audience.
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${userPool.userPoolId}`;
    this.audience = [client.userPoolClientId];
  }
}
