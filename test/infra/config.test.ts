import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_EVENT_TYPES } from '../../functions/routes.ts';
import { readConfig } from '../../infra/config.ts';
import { ItsmHttpApi } from '../../infra/constructs/http-api.ts';
import { TABLE_ACTIONS, tableAccessStatements } from '../../infra/constructs/itsm-function.ts';

/** Context parsing and the guard rails that need no synthesis (milliseconds each). */
const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

describe('context', () => {
  it('has safe defaults', () => {
    expect(configOf({})).toEqual({
      logRetention: RetentionDays.ONE_MONTH,
      logLevel: 'info',
      groupsClaim: 'cognito:groups',
      roleGroups: { admin: ['admin'], agent: ['agent'], requester: [] },
      requesterIncidentFields: ['urgency'],
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      corsOrigins: [],
      identity: { kind: 'cognito', featurePlan: 'essentials', callbackUrls: [], logoutUrls: [], domainPrefix: undefined },
      alarmEmail: undefined,
      ingestion: { accounts: [], organizationId: undefined, alarmsFromDefaultBus: false, fromDefaultBus: { cmdbFromDefaultBus: false } },
      eventRetentionDays: 30,
      notifications: { emails: [], majorIncidentEmails: [] },
      email: { domain: undefined, mailFrom: undefined, mailReplyTo: undefined },
    });
  });

  it('reads the ingestion options from -c strings and cdk.json values alike', () => {
    const fromCli = configOf({
      ingestionAccounts: '111122223333, 444455556666,111122223333',
      ingestionOrganizationId: 'o-a1b2c3d4e5',
      alarmsFromDefaultBus: 'true',
      cmdbFromDefaultBus: 'true',
      eventRetentionDays: '90',
    });
    const fromJson = configOf({
      ingestionAccounts: ['111122223333', '444455556666'],
      ingestionOrganizationId: 'o-a1b2c3d4e5',
      alarmsFromDefaultBus: true,
      cmdbFromDefaultBus: true,
      eventRetentionDays: 90,
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.ingestion).toEqual({
      accounts: ['111122223333', '444455556666'],
      organizationId: 'o-a1b2c3d4e5',
      alarmsFromDefaultBus: true,
      fromDefaultBus: { cmdbFromDefaultBus: true },
    });
    expect(fromCli.eventRetentionDays).toBe(90);
    expect(configOf({ alarmsFromDefaultBus: 'FALSE' }).ingestion.alarmsFromDefaultBus).toBe(false);
    expect(configOf({ cmdbFromDefaultBus: 'False' }).ingestion.fromDefaultBus.cmdbFromDefaultBus).toBe(false);
    expect(configOf({ eventRetentionDays: 1 }).eventRetentionDays).toBe(1);
    expect(configOf({ eventRetentionDays: '3650' }).eventRetentionDays).toBe(3650);
  });

  it('accepts -c strings and cdk.json values alike', () => {
    const fromCli = configOf({ logRetentionDays: '90', throttleRateLimit: '12.5', corsOrigins: 'https://a.example.com, https://b.example.com,' });
    const fromJson = configOf({ logRetentionDays: 90, throttleRateLimit: 12.5, corsOrigins: ['https://a.example.com', 'https://b.example.com'] });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it('reads the role groups and what requesters may set, from -c strings and cdk.json values alike', () => {
    const fromCli = configOf({
      adminGroups: 'itsm-admins',
      agentGroups: 'service-desk, network-team',
      requesterGroups: 'staff',
      requesterIncidentFields: 'impact,urgency',
    });
    const fromJson = configOf({
      adminGroups: ['itsm-admins'],
      agentGroups: ['service-desk', 'network-team'],
      requesterGroups: ['staff'],
      requesterIncidentFields: ['impact', 'urgency'],
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.roleGroups).toEqual({ admin: ['itsm-admins'], agent: ['service-desk', 'network-team'], requester: ['staff'] });
    expect(fromCli.requesterIncidentFields).toEqual(['impact', 'urgency']);
    expect(configOf({ requesterIncidentFields: 'none' }).requesterIncidentFields).toEqual([]);
  });

  it('switches to the external issuer when oidcIssuer and oidcAudience are both given', () => {
    expect(configOf({ oidcIssuer: 'https://idp.example.com', oidcAudience: 'a,b' }).identity).toEqual({
      kind: 'oidc',
      issuer: 'https://idp.example.com',
      audience: ['a', 'b'],
    });
  });

  it.each([
    [{ oidcIssuer: 'https://idp.example.com' }, /go together/],
    [{ oidcAudience: 'api' }, /go together/],
    [{ oidcIssuer: 'http://idp.example.com', oidcAudience: 'api' }, /https URL/],
    [{ logRetentionDays: 31 }, /logRetentionDays must be one of/],
    [{ logRetentionDays: 'forever' }, /logRetentionDays must be a non-negative number/],
    [{ logLevel: 'verbose' }, /logLevel must be one of/],
    [{ throttleBurstLimit: '10.5' }, /whole number/],
    [{ throttleRateLimit: -1 }, /non-negative/],
    [{ corsOrigins: 'https://itsm.example.com/' }, /not an origin/],
    [{ alarmEmail: 'ops' }, /not an email/],
    [{ authCallbackUrls: 'http://itsm.example.com/cb' }, /https URL/],
    [{ authLogoutUrls: 'https://itsm.example.com/' }, /needs authCallbackUrls/],
    [{ authDomainPrefix: 'Open_ITSM' }, /lower-case/],
    [{ cognitoFeaturePlan: 'lite' }, /cognitoFeaturePlan must be one of/],
    [{ ingestionAccounts: '11112222333' }, /ingestionAccounts: "11112222333" is not a 12-digit AWS account id/],
    [{ ingestionAccounts: '111122223333,arn:aws:iam::444455556666:root' }, /is not a 12-digit AWS account id/],
    [{ ingestionAccounts: 111122223333 }, /ingestionAccounts must be a comma separated string or a list of strings/],
    [{ ingestionOrganizationId: '111122223333' }, /ingestionOrganizationId must be an AWS Organizations id/],
    [{ ingestionOrganizationId: 'r-ab12' }, /ingestionOrganizationId must be an AWS Organizations id/],
    [{ ingestionOrganizationId: 'o-ABCDEFGHIJ' }, /ingestionOrganizationId must be an AWS Organizations id/],
    [{ alarmsFromDefaultBus: 'yes' }, /alarmsFromDefaultBus must be true or false/],
    [{ alarmsFromDefaultBus: 1 }, /alarmsFromDefaultBus must be true or false/],
    [{ cmdbFromDefaultBus: 'on' }, /cmdbFromDefaultBus must be true or false/],
    [{ eventRetentionDays: 0 }, /eventRetentionDays must be between 1 and 3650/],
    [{ eventRetentionDays: '3651' }, /eventRetentionDays must be between 1 and 3650/],
    [{ eventRetentionDays: '7.5' }, /eventRetentionDays must be a whole number/],
    [{ eventRetentionDays: 'month' }, /eventRetentionDays must be a non-negative number/],
    [{ agentGroups: ['Service Desk'] }, /agentGroups: group name "Service Desk" must not contain whitespace/],
    [{ adminGroups: '[admin]' }, /adminGroups: group name "\[admin\]" must not start with \[/],
    [{ adminGroups: 'ops', agentGroups: 'ops' }, /"ops" is in both adminGroups and agentGroups/],
    [{ requesterIncidentFields: 'priority' }, /requesterIncidentFields: "priority" is not one of impact, urgency/],
    [{ requesterIncidentFields: 'none,urgency' }, /requesterIncidentFields: "none" cannot be combined/],
  ])('rejects %j', (context, message) => {
    expect(() => configOf(context)).toThrow(message);
  });
});

describe('notification emails', () => {
  const subscriptions = [
    { address: 'db-oncall@example.com', filter: { assignmentGroup: ['database'], priority: ['P1', 'P2'] } },
    { address: 'sla@example.com', filter: { eventType: ['SLA Breached'], service: ['payments', '-'] } },
    { address: 'all@example.com' },
  ];

  it('reads a JSON list from -c and from cdk.json alike', () => {
    const fromCli = configOf({ notificationEmails: JSON.stringify(subscriptions), majorIncidentEmails: 'cio@example.com, duty@example.com' });
    const fromJson = configOf({ notificationEmails: subscriptions, majorIncidentEmails: ['cio@example.com', 'duty@example.com'] });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.notifications).toEqual({
      emails: [
        { address: 'db-oncall@example.com', filter: { assignmentGroup: ['database'], priority: ['P1', 'P2'] } },
        { address: 'sla@example.com', filter: { eventType: ['SLA Breached'], service: ['payments', '-'] } },
        { address: 'all@example.com', filter: {} },
      ],
      majorIncidentEmails: ['cio@example.com', 'duty@example.com'],
    });
  });

  it('takes plain comma separated addresses (no filters) and drops repeated filter values', () => {
    expect(configOf({ notificationEmails: 'a@example.com, b@example.com' }).notifications.emails).toEqual([
      { address: 'a@example.com', filter: {} },
      { address: 'b@example.com', filter: {} },
    ]);
    expect(configOf({ notificationEmails: [{ address: 'a@example.com', filter: { priority: ['P1', 'P1'] } }] }).notifications.emails).toEqual([
      { address: 'a@example.com', filter: { priority: ['P1'] } },
    ]);
  });

  it('filters on every event type the product publishes, change requests included', () => {
    const filter = { eventType: ['Change Scheduled', 'Change Approval Requested', 'Incident Created', 'SLA Breached'], priority: ['P1', '-'] };
    expect(configOf({ notificationEmails: [{ address: 'cab@example.com', filter }] }).notifications.emails).toEqual([{ address: 'cab@example.com', filter }]);
  });

  it('names every published event type, incident and change, when one is unknown', () => {
    const attempt = () => configOf({ notificationEmails: [{ address: 'a@example.com', filter: { eventType: ['Change Approved'] } }] });
    expect(attempt).toThrow(/filter\.eventType: "Change Approved" is not one of Incident Created, .*SLA Breached, .*Change Scheduled, .*Change Note Added/);
    // Every area's, problems' too, in registry order.
    expect(attempt).toThrow(new RegExp(`is not one of ${PUBLISHED_EVENT_TYPES.join(', ')}$`));
  });

  const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  it.each([
    [{ notificationEmails: 'ops' }, /notificationEmails: "ops" is not an email address/],
    [{ notificationEmails: '[{"address": "a@example.com"' }, /notificationEmails is not valid JSON/],
    [{ notificationEmails: [{ address: 'a@example.com', filters: {} }] }, /notificationEmails\[0\] has unknown keys filters/],
    [{ notificationEmails: [{ filter: {} }] }, /notificationEmails\[0\]\.address must be an email address/],
    [{ notificationEmails: [42] }, /notificationEmails\[0\] must be an email address or an object/],
    [
      { notificationEmails: [{ address: 'a@example.com', filter: { team: ['x'] } }] },
      /unknown attribute "team"; notifications can be filtered on eventType, priority, assignmentGroup, service/,
    ],
    [{ notificationEmails: [{ address: 'a@example.com', filter: { priority: 'P1' } }] }, /filter\.priority must be a non-empty list of strings/],
    [{ notificationEmails: [{ address: 'a@example.com', filter: { priority: [] } }] }, /filter\.priority must be a non-empty list of strings/],
    [{ notificationEmails: [{ address: 'a@example.com', filter: { priority: ['P5'] } }] }, /filter\.priority: "P5" is not one of P1, P2, P3, P4/],
    [
      { notificationEmails: [{ address: 'a@example.com', filter: { eventType: ['SLA breach'] } }] },
      /filter\.eventType: "SLA breach" is not one of Incident Created/,
    ],
    [{ notificationEmails: [{ address: 'a@example.com', filter: { assignmentGroup: ['Database'] } }] }, /assignmentGroup: "Database" is not a group name/],
    [{ notificationEmails: [{ address: 'a@example.com', filter: { service: ['pay ments'] } }] }, /service: "pay ments" is not a service name/],
    [
      { notificationEmails: [{ address: 'a@example.com', filter: { assignmentGroup: many(13, 'g'), service: many(12, 's') } }] },
      /has 156 value combinations; SNS allows at most 150/,
    ],
    [{ notificationEmails: 'a@example.com,A@example.com' }, /A@example.com is listed twice/],
    [{ notificationEmails: { address: 'a@example.com' } }, /notificationEmails must be a JSON list or a comma separated string/],
    [{ majorIncidentEmails: 'cio' }, /majorIncidentEmails: "cio" is not an email address/],
  ])('rejects %j', (context, message) => {
    expect(() => configOf(context)).toThrow(message);
  });
});

describe('table access statements', () => {
  const arn = 'arn:aws:dynamodb:eu-west-1:111122223333:table/t';

  it("'none' grants nothing", () => {
    expect(tableAccessStatements(arn, 'none')).toEqual([]);
  });

  it("'read' grants reads on the table and Query on each index, by name", () => {
    const [table, indexes] = tableAccessStatements(arn, 'read').map((s) => s.toStatementJson() as { Action: string[] | string; Resource: string[] | string });
    expect(table?.Action).toEqual([...TABLE_ACTIONS.read]);
    expect(table?.Resource).toBe(arn);
    expect(indexes?.Action).toBe('dynamodb:Query');
    expect(indexes?.Resource).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `${arn}/index/gsi${n}`));
  });

  it("'queueViews' grants Put and Update of the queue count and head items only, Get of the heads only (their partition key prefixes), and Query on the indexes", () => {
    const statements = tableAccessStatements(arn, 'queueViews').map((s) => s.toStatementJson());
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: arn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COUNT#*', 'COUNTED#*', 'HEAD#*'] } },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        Resource: arn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HEAD#*'] } },
      },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [1, 2, 3, 4, 5, 6, 7].map((n) => `${arn}/index/gsi${n}`) },
    ]);
  });

  it("'readWrite' adds the item writes a transaction is authorized by, and no Scan or batch write", () => {
    const [table] = tableAccessStatements(arn, 'readWrite').map((s) => s.toStatementJson() as { Action: string[] });
    expect(table?.Action).toEqual([...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write]);
    expect(table?.Action).not.toContain('dynamodb:Scan');
    expect(table?.Action).not.toContain('dynamodb:BatchWriteItem');
  });
});

describe('public routes', () => {
  it('refuses an unauthenticated route that has no written reason', () => {
    const stack = new Stack(new App(), 'S');
    const api = new ItsmHttpApi(stack, 'Api', {
      jwtIssuer: 'https://idp.example.com',
      jwtAudience: ['api'],
      corsOrigins: [],
      throttleRateLimit: 1,
      throttleBurstLimit: 1,
      logRetention: RetentionDays.ONE_WEEK,
    });
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
    expect(() => api.addRoute({ method: 'GET', path: '/open', functionId: 'health', auth: 'none' }, fn, { integrationId: 'I' })).toThrow(/no reason was given/);
  });
});
