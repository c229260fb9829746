import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFindings, productFunctions, resourcesOfType, type SynthesizedApp, synthesize, unacknowledgedNagFindings } from './helpers.ts';

/** Every optional knob turned on at once, with values typed the way `-c` delivers them. */
let synth: SynthesizedApp;
beforeAll(() => {
  synth = synthesize({
    alarmEmail: 'itsm-ops@example.com',
    corsOrigins: 'https://itsm.example.com, http://localhost:5173',
    logRetentionDays: '90',
    logLevel: 'debug',
    throttleRateLimit: '20',
    throttleBurstLimit: '40',
    cognitoFeaturePlan: 'plus',
    authCallbackUrls: 'https://itsm.example.com/auth/callback,http://localhost:5173/auth/callback',
    authLogoutUrls: 'https://itsm.example.com/',
    authDomainPrefix: 'open-itsm-example',
    ingestionAccounts: '111122223333',
    ingestionOrganizationId: 'o-a1b2c3d4e5',
    alarmsFromDefaultBus: 'true',
    eventRetentionDays: '365',
    notificationEmails:
      '[{"address":"db-oncall@example.com","filter":{"assignmentGroup":["database"],"priority":["P1"]}},{"address":"cab@example.com","filter":{"eventType":["Change Scheduled","Change Approval Requested"]}}]',
    majorIncidentEmails: 'cio@example.com',
    adminGroups: 'itsm-admins',
    agentGroups: 'service-desk,network-team',
    requesterGroups: 'staff',
    requesterIncidentFields: 'impact,urgency',
  });
});
afterAll(() => synth?.cleanup());

describe('deploy-time options', () => {
  it('subscribes the alarm email to the alarm topic', () => {
    synth.apiTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'itsm-ops@example.com' });
  });

  it('subscribes the notification and major-incident addresses, with the filter policy', () => {
    synth.apiTemplate.resourceCountIs('AWS::SNS::Subscription', 4);
    synth.apiTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'db-oncall@example.com',
      FilterPolicy: { assignmentGroup: ['database'], priority: ['P1'] },
    });
    synth.apiTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'cab@example.com',
      FilterPolicy: { eventType: ['Change Scheduled', 'Change Approval Requested'] },
    });
    synth.apiTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'cio@example.com' });
  });

  it('allows exactly the configured CORS origins, without credentials', () => {
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://itsm.example.com', 'http://localhost:5173'],
        AllowHeaders: Match.arrayWith(['authorization', 'if-match', 'idempotency-key']),
        ExposeHeaders: Match.arrayWith(['etag']),
        AllowCredentials: false,
      }),
    });
  });

  it('applies the log retention to every log group and the log level to every function', () => {
    const logGroups = Object.values(resourcesOfType(synth.apiTemplate, 'AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThan(1);
    for (const logGroup of logGroups) expect(logGroup.Properties?.RetentionInDays).toBe(90);
    for (const fn of Object.values(productFunctions(synth.apiTemplate))) {
      expect(fn.Properties?.Environment).toMatchObject({ Variables: { LOG_LEVEL: 'debug', EVENT_RETENTION_DAYS: '365' } });
    }
  });

  it('creates a Cognito group per configured role group, and hands the role mapping to every function', () => {
    const groups = Object.values(resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties?.GroupName);
    expect(groups.sort()).toEqual(['itsm-admins', 'network-team', 'service-desk', 'staff']);
    for (const fn of Object.values(productFunctions(synth.apiTemplate))) {
      expect(JSON.parse((fn.Properties?.Environment as { Variables: Record<string, string> }).Variables.ROLE_GROUPS as string)).toEqual({
        admin: ['itsm-admins'],
        agent: ['service-desk', 'network-team'],
        requester: ['staff'],
      });
      expect((fn.Properties?.Environment as { Variables: Record<string, string> }).Variables.REQUESTER_INCIDENT_FIELDS).toBe('impact,urgency');
    }
  });

  it('opens the ingestion bus to the account and the organization, and routes alarms from the default bus', () => {
    synth.apiTemplate.resourceCountIs('AWS::Events::EventBusPolicy', 2);
    expect(synth.api.ingestion.defaultBusRule).toBeDefined();
  });

  it('applies the stage throttling', () => {
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it('enables the code flow (PKCE, no secret) with the callback URLs and a hosted domain', () => {
    synth.apiTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      CallbackURLs: ['https://itsm.example.com/auth/callback', 'http://localhost:5173/auth/callback'],
      LogoutURLs: ['https://itsm.example.com/'],
    });
    synth.apiTemplate.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'open-itsm-example' });
  });

  it('puts the pool on the Plus plan with threat protection, and then needs no COG8 acknowledgement', () => {
    synth.apiTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    const userPool = synth.api.identity.userPool;
    expect(userPool).toBeDefined();
    const acknowledged = userPool!.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(acknowledged).toEqual([]);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});
