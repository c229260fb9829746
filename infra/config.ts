import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { REQUESTER_SETTABLE_FIELDS, type RequesterSettableField } from '../functions/incidents/requester-fields.ts';
// Every area's published event types, from the registry (functions/areas.ts).
import { PUBLISHED_EVENT_TYPES } from '../functions/routes.ts';
import type { DefaultBusOption } from '../functions/shared/area.ts';
import { PRIORITIES } from '../functions/shared/domain/priority.ts';
import { DEFAULT_ROLE_GROUPS, type RoleGroups, roleGroupNameViolation } from '../functions/shared/http/roles.ts';
import { slug } from '../functions/shared/schemas/common.ts';

/**
 * Everything an operator may tune at deploy time, read once from CDK context
 * (`cdk deploy -c key=value`, or the `context` block of cdk.json).
 *
 * Values given with `-c` arrive as strings while cdk.json and tests may pass numbers, booleans or
 * arrays, so every reader accepts both. A bad value fails the synth with the key's name in the
 * message: a typo must not silently deploy the default.
 */
export interface ItsmConfig {
  readonly logRetention: RetentionDays;
  /** Handed to every function as LOG_LEVEL. */
  readonly logLevel: string;
  /** The claim that carries the caller's groups (`agent`, `admin`); handed to every function. */
  readonly groupsClaim: string;
  /** Which group names give which role; handed to every function as ROLE_GROUPS (JSON). */
  readonly roleGroups: RoleGroups;
  /** What a requester may set when raising an incident; handed to every function as REQUESTER_INCIDENT_FIELDS. */
  readonly requesterIncidentFields: readonly RequesterSettableField[];
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Browser origins allowed by CORS; empty means CORS stays off (server-to-server callers only). */
  readonly corsOrigins: readonly string[];
  readonly identity: IdentityConfig;
  /** Where alarm notifications are mailed; alarms and their topic exist either way. */
  readonly alarmEmail: string | undefined;
  readonly ingestion: IngestionConfig;
  /** How long raw ingested events are kept (days); handed to every function as EVENT_RETENTION_DAYS. */
  readonly eventRetentionDays: number;
  readonly notifications: NotificationsConfig;
  readonly email: EmailConfig;
}

/**
 * E-mail in and out (issue 15). Without a domain no SES receipt rule is created and sending is
 * off: the e-mail functions still deploy, MAIL_FROM and MAIL_REPLY_TO are empty and the sender
 * logs and skips each message.
 */
export interface EmailConfig {
  /** The domain SES receives mail for (the receipt rule's recipient) and sends from (its verified identity). */
  readonly domain: string | undefined;
  /** The From address of outgoing mail, at the domain; undefined without a domain. */
  readonly mailFrom: string | undefined;
  /** Where replies go (Reply-To), at the domain so that SES receives them; undefined without a domain. */
  readonly mailReplyTo: string | undefined;
}

/** Who is mailed what, from the two notification topics; the topics exist either way. */
export interface NotificationsConfig {
  /** Subscriptions to the notifications topic, each with an optional filter policy. */
  readonly emails: readonly NotificationEmail[];
  /** Subscriptions to the major-incident topic (every message: P1 breaches). */
  readonly majorIncidentEmails: readonly string[];
}

export interface NotificationEmail {
  readonly address: string;
  /** Empty: every notification. Each attribute given must match one of its values (AND across attributes). */
  readonly filter: NotificationFilter;
}

/**
 * The SNS message attributes the publisher sets on every notification
 * (functions/shared/domain/outbox.ts `Notification.attributes`), which filter policies match.
 */
export const NOTIFICATION_FILTER_ATTRIBUTES = ['eventType', 'priority', 'assignmentGroup', 'service'] as const;
export type NotificationFilterAttribute = (typeof NOTIFICATION_FILTER_ATTRIBUTES)[number];
export type NotificationFilter = Partial<Record<NotificationFilterAttribute, readonly string[]>>;

/** SNS allows at most 150 value combinations in one filter policy (the product of the value counts). */
export const MAX_FILTER_COMBINATIONS = 150;

/** Who may put events on the ingestion bus, and whether alarms come from the default bus too. */
export interface IngestionConfig {
  /** Other AWS accounts allowed to put events on the bus (12-digit ids). This account always may, through IAM. */
  readonly accounts: readonly string[];
  /** An AWS Organization (`o-...`) whose member accounts may all put events on the bus. */
  readonly organizationId: string | undefined;
  /** Also route CloudWatch alarm state changes from this account's default bus (where CloudWatch sends them). */
  readonly alarmsFromDefaultBus: boolean;
  /**
   * Per option an ingestion bus rule consumer may name (`fromDefaultBusOption` in its area.ts):
   * also route its events from this account's default bus (where AWS services put theirs).
   */
  readonly fromDefaultBus: Readonly<Record<DefaultBusOption, boolean>>;
}

export type IdentityConfig = CognitoIdentityConfig | OidcIdentityConfig;

/** The default: the stack creates its own Cognito user pool. */
export interface CognitoIdentityConfig {
  readonly kind: 'cognito';
  /** `plus` turns on Cognito threat protection, billed per monthly active user. */
  readonly featurePlan: 'essentials' | 'plus';
  /** Redirect URLs of the web client; without them the client only does SRP sign-in (no hosted login). */
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  /** Prefix of a Cognito-hosted login domain; a domain is only created when this is given. */
  readonly domainPrefix: string | undefined;
}

/** An existing identity provider (Entra ID, Okta, Keycloak, another Cognito pool...). */
export interface OidcIdentityConfig {
  readonly kind: 'oidc';
  readonly issuer: string;
  readonly audience: readonly string[];
}

export const CONTEXT_KEYS = {
  logRetentionDays: 'logRetentionDays',
  logLevel: 'logLevel',
  groupsClaim: 'groupsClaim',
  adminGroups: 'adminGroups',
  agentGroups: 'agentGroups',
  requesterGroups: 'requesterGroups',
  requesterIncidentFields: 'requesterIncidentFields',
  throttleRateLimit: 'throttleRateLimit',
  throttleBurstLimit: 'throttleBurstLimit',
  corsOrigins: 'corsOrigins',
  oidcIssuer: 'oidcIssuer',
  oidcAudience: 'oidcAudience',
  cognitoFeaturePlan: 'cognitoFeaturePlan',
  authCallbackUrls: 'authCallbackUrls',
  authLogoutUrls: 'authLogoutUrls',
  authDomainPrefix: 'authDomainPrefix',
  alarmEmail: 'alarmEmail',
  ingestionAccounts: 'ingestionAccounts',
  ingestionOrganizationId: 'ingestionOrganizationId',
  alarmsFromDefaultBus: 'alarmsFromDefaultBus',
  cmdbFromDefaultBus: 'cmdbFromDefaultBus',
  eventRetentionDays: 'eventRetentionDays',
  notificationEmails: 'notificationEmails',
  majorIncidentEmails: 'majorIncidentEmails',
  emailDomain: 'emailDomain',
  mailFrom: 'mailFrom',
  mailReplyTo: 'mailReplyTo',
} as const;

export const DEFAULTS = {
  logRetentionDays: 30,
  logLevel: 'info',
  groupsClaim: 'cognito:groups',
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  eventRetentionDays: 30,
  /** The local part of mailFrom at emailDomain unless given. */
  mailFromLocalPart: 'service-desk',
  /** The local part of mailReplyTo at emailDomain unless given. */
  mailReplyToLocalPart: 'requests',
} as const;

/** Ten years: events are evidence for post-incident reviews, but not kept forever by accident. */
export const MAX_EVENT_RETENTION_DAYS = 3650;

// The levels functions/shared/log.ts understands; anything else would silently mean `info` there.
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function readConfig(node: Node): ItsmConfig {
  const ctx = new ContextReader(node);
  return {
    logRetention: ctx.retention(CONTEXT_KEYS.logRetentionDays, DEFAULTS.logRetentionDays),
    logLevel: ctx.oneOf(CONTEXT_KEYS.logLevel, LOG_LEVELS, DEFAULTS.logLevel),
    groupsClaim: ctx.string(CONTEXT_KEYS.groupsClaim) ?? DEFAULTS.groupsClaim,
    roleGroups: readRoleGroups(ctx),
    requesterIncidentFields: readRequesterIncidentFields(ctx),
    throttleRateLimit: ctx.number(CONTEXT_KEYS.throttleRateLimit, DEFAULTS.throttleRateLimit),
    throttleBurstLimit: ctx.integer(CONTEXT_KEYS.throttleBurstLimit, DEFAULTS.throttleBurstLimit),
    corsOrigins: ctx.list(CONTEXT_KEYS.corsOrigins).map((origin) => checkOrigin(origin)),
    identity: readIdentity(ctx),
    alarmEmail: checkEmail(ctx.string(CONTEXT_KEYS.alarmEmail)),
    ingestion: readIngestion(ctx),
    eventRetentionDays: ctx.integerBetween(CONTEXT_KEYS.eventRetentionDays, DEFAULTS.eventRetentionDays, 1, MAX_EVENT_RETENTION_DAYS),
    notifications: readNotifications(ctx),
    email: readEmail(ctx),
  };
}

function readEmail(ctx: ContextReader): EmailConfig {
  const { emailDomain, mailFrom, mailReplyTo } = CONTEXT_KEYS;
  const raw = ctx.string(emailDomain);
  const from = ctx.string(mailFrom);
  const replyTo = ctx.string(mailReplyTo);
  if (raw === undefined) {
    // An address without the domain would deploy a sender that never sends: say so instead.
    const orphan = from !== undefined ? mailFrom : replyTo !== undefined ? mailReplyTo : undefined;
    if (orphan !== undefined) throw new Error(`Context ${orphan} needs ${emailDomain}: without a domain SES neither receives nor sends`);
    return { domain: undefined, mailFrom: undefined, mailReplyTo: undefined };
  }
  const domain = raw.toLowerCase();
  // A DNS name of at least two labels (SES verifies it and receives on its MX record): no scheme, no @, no trailing dot.
  if (!/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(domain)) {
    throw new Error(`Context ${emailDomain} must be a domain name like itsm.example.com (no scheme, no @, no trailing dot), got "${raw}"`);
  }
  // At the domain: SES sends only from its verified identity (the grant names identity/<domain>),
  // and receives only for it (a reply to another domain would never come back).
  const atDomain = (key: string, address: string): string => {
    checkAddress(key, address);
    const at = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    if (at !== domain) throw new Error(`Context ${key}: "${address}" must be an address at ${emailDomain} ${domain}`);
    return address;
  };
  return {
    domain,
    mailFrom: atDomain(mailFrom, from ?? `${DEFAULTS.mailFromLocalPart}@${domain}`),
    mailReplyTo: atDomain(mailReplyTo, replyTo ?? `${DEFAULTS.mailReplyToLocalPart}@${domain}`),
  };
}

function readRoleGroups(ctx: ContextReader): RoleGroups {
  const read = (key: string, fallback: readonly string[]): string[] => {
    const names = ctx.list(key);
    for (const name of names) {
      const violation = roleGroupNameViolation(name);
      if (violation !== undefined) throw new Error(`Context ${key}: group name "${name}" ${violation}`);
    }
    return names.length === 0 ? [...fallback] : [...new Set(names)];
  };
  const roleGroups = {
    admin: read(CONTEXT_KEYS.adminGroups, DEFAULT_ROLE_GROUPS.admin),
    agent: read(CONTEXT_KEYS.agentGroups, DEFAULT_ROLE_GROUPS.agent),
    requester: read(CONTEXT_KEYS.requesterGroups, DEFAULT_ROLE_GROUPS.requester),
  };
  // One group giving two roles is a typo waiting to happen (admin implies agent anyway).
  const keys = { admin: CONTEXT_KEYS.adminGroups, agent: CONTEXT_KEYS.agentGroups, requester: CONTEXT_KEYS.requesterGroups } as const;
  const roles = Object.keys(keys) as (keyof typeof keys)[];
  for (const [i, role] of roles.entries()) {
    for (const other of roles.slice(i + 1)) {
      const shared = roleGroups[role].find((name) => roleGroups[other].includes(name));
      if (shared !== undefined) throw new Error(`Context: group "${shared}" is in both ${keys[role]} and ${keys[other]}; give each group one role`);
    }
  }
  return roleGroups;
}

function readRequesterIncidentFields(ctx: ContextReader): RequesterSettableField[] {
  const key = CONTEXT_KEYS.requesterIncidentFields;
  const values = ctx.list(key);
  if (values.length === 0) return ['urgency'];
  // `none`, because an empty value means "the default" everywhere else.
  if (values.includes('none')) {
    if (values.length > 1) throw new Error(`Context ${key}: "none" cannot be combined with field names`);
    return [];
  }
  for (const value of values) {
    if (!(REQUESTER_SETTABLE_FIELDS as readonly string[]).includes(value)) {
      throw new Error(`Context ${key}: "${value}" is not one of ${REQUESTER_SETTABLE_FIELDS.join(', ')} (or none)`);
    }
  }
  return [...new Set(values as RequesterSettableField[])];
}

function readNotifications(ctx: ContextReader): NotificationsConfig {
  const key = CONTEXT_KEYS.notificationEmails;
  const emails = ctx.jsonList(key).map((entry, index): NotificationEmail => {
    // `-c notificationEmails=a@example.com,b@example.com`: addresses without filters.
    if (typeof entry === 'string') return { address: checkAddress(key, entry.trim()), filter: {} };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`Context ${key}[${index}] must be an email address or an object { address, filter? }, got ${JSON.stringify(entry)}`);
    }
    const { address, filter, ...unknown } = entry as Record<string, unknown>;
    if (Object.keys(unknown).length > 0) {
      throw new Error(`Context ${key}[${index}] has unknown keys ${Object.keys(unknown).join(', ')}; allowed are address and filter`);
    }
    if (typeof address !== 'string') throw new Error(`Context ${key}[${index}].address must be an email address, got ${JSON.stringify(address)}`);
    return { address: checkAddress(key, address.trim()), filter: readFilter(`${key}[${index}].filter`, filter) };
  });
  // SNS keeps one subscription per topic, protocol and endpoint: a second entry for the same
  // address would not add a second filter, it would fail the deployment.
  const seen = new Set<string>();
  for (const { address } of emails) {
    const normalized = address.toLowerCase();
    if (seen.has(normalized)) {
      throw new Error(`Context ${key}: ${address} is listed twice; SNS keeps one subscription per address, so give one entry with the combined filter`);
    }
    seen.add(normalized);
  }
  const majorIncidentEmails = [
    ...new Set(ctx.list(CONTEXT_KEYS.majorIncidentEmails).map((address) => checkAddress(CONTEXT_KEYS.majorIncidentEmails, address))),
  ];
  return { emails, majorIncidentEmails };
}

/** Values each attribute may take: what the publisher can put there, so a typo cannot silently match nothing. */
const FILTER_VALUES: Readonly<Record<NotificationFilterAttribute, { check: (value: string) => boolean; expected: string }>> = {
  eventType: {
    check: (value) => PUBLISHED_EVENT_TYPES.includes(value),
    expected: `one of ${PUBLISHED_EVENT_TYPES.join(', ')}`,
  },
  // Change notifications carry "-": change requests have no priority.
  priority: {
    check: (value) => value === '-' || (PRIORITIES as readonly string[]).includes(value),
    expected: `one of ${PRIORITIES.join(', ')} or "-" for none`,
  },
  // Group and service names are slugs; the publisher writes "-" when the incident has none.
  assignmentGroup: { check: isNameOrNone, expected: 'a group name (lowercase letters, digits, dashes) or "-" for none' },
  service: { check: isNameOrNone, expected: 'a service name (lowercase letters, digits, dashes) or "-" for none' },
};

function isNameOrNone(value: string): boolean {
  return value === '-' || slug.safeParse(value).success;
}

function readFilter(path: string, raw: unknown): NotificationFilter {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`Context ${path} must be an object like { "priority": ["P1", "P2"] }, got ${JSON.stringify(raw)}`);
  }
  const filter: Partial<Record<NotificationFilterAttribute, string[]>> = {};
  let combinations = 1;
  for (const [attribute, values] of Object.entries(raw as Record<string, unknown>)) {
    if (!(NOTIFICATION_FILTER_ATTRIBUTES as readonly string[]).includes(attribute)) {
      throw new Error(`Context ${path}: unknown attribute "${attribute}"; notifications can be filtered on ${NOTIFICATION_FILTER_ATTRIBUTES.join(', ')}`);
    }
    const name = attribute as NotificationFilterAttribute;
    // SNS refuses an empty list, and a bare string is an easy slip for a one-value list.
    if (!Array.isArray(values) || values.length === 0 || values.some((value) => typeof value !== 'string')) {
      throw new Error(`Context ${path}.${name} must be a non-empty list of strings, got ${JSON.stringify(values)}`);
    }
    const unique = [...new Set(values as string[])];
    for (const value of unique) {
      if (!FILTER_VALUES[name].check(value)) throw new Error(`Context ${path}.${name}: "${value}" is not ${FILTER_VALUES[name].expected}`);
    }
    filter[name] = unique;
    combinations *= unique.length;
  }
  if (combinations > MAX_FILTER_COMBINATIONS) {
    throw new Error(`Context ${path} has ${combinations} value combinations; SNS allows at most ${MAX_FILTER_COMBINATIONS} in one filter policy`);
  }
  return filter;
}

function readIngestion(ctx: ContextReader): IngestionConfig {
  const accounts = ctx.list(CONTEXT_KEYS.ingestionAccounts).map((account) => {
    // The bus policy names accounts as principals; anything else would fail only at deploy time.
    if (/^\d{12}$/.test(account)) return account;
    throw new Error(`Context ${CONTEXT_KEYS.ingestionAccounts}: "${account}" is not a 12-digit AWS account id`);
  });
  const organizationId = ctx.string(CONTEXT_KEYS.ingestionOrganizationId);
  // The pattern AWS Organizations documents for organization ids.
  if (organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(organizationId)) {
    throw new Error(
      `Context ${CONTEXT_KEYS.ingestionOrganizationId} must be an AWS Organizations id like o-a1b2c3d4e5 (not the account id or the root id r-...), got "${organizationId}"`,
    );
  }
  return {
    accounts: [...new Set(accounts)],
    organizationId,
    alarmsFromDefaultBus: ctx.boolean(CONTEXT_KEYS.alarmsFromDefaultBus, false),
    fromDefaultBus: { cmdbFromDefaultBus: ctx.boolean(CONTEXT_KEYS.cmdbFromDefaultBus, false) } satisfies Record<DefaultBusOption, boolean>,
  };
}

function readIdentity(ctx: ContextReader): IdentityConfig {
  const issuer = ctx.string(CONTEXT_KEYS.oidcIssuer);
  const audience = ctx.list(CONTEXT_KEYS.oidcAudience);
  if (issuer !== undefined || audience.length > 0) {
    if (issuer === undefined || audience.length === 0) {
      throw new Error(
        `Context ${CONTEXT_KEYS.oidcIssuer} and ${CONTEXT_KEYS.oidcAudience} go together: give both to use an external identity provider, or neither to create a Cognito user pool`,
      );
    }
    // API Gateway only fetches discovery documents over https, and compares `iss` byte for byte.
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(issuer)) {
      throw new Error(`Context ${CONTEXT_KEYS.oidcIssuer} must be an https URL, got "${issuer}"`);
    }
    return { kind: 'oidc', issuer, audience };
  }
  const callbackUrls = ctx.list(CONTEXT_KEYS.authCallbackUrls).map((url) => checkUrl(CONTEXT_KEYS.authCallbackUrls, url));
  const logoutUrls = ctx.list(CONTEXT_KEYS.authLogoutUrls).map((url) => checkUrl(CONTEXT_KEYS.authLogoutUrls, url));
  if (logoutUrls.length > 0 && callbackUrls.length === 0) {
    throw new Error(`Context ${CONTEXT_KEYS.authLogoutUrls} needs ${CONTEXT_KEYS.authCallbackUrls}: logout URLs only apply to hosted login`);
  }
  const domainPrefix = ctx.string(CONTEXT_KEYS.authDomainPrefix);
  if (domainPrefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix)) {
    throw new Error(`Context ${CONTEXT_KEYS.authDomainPrefix} must be lower-case letters, digits and hyphens, got "${domainPrefix}"`);
  }
  return {
    kind: 'cognito',
    featurePlan: ctx.oneOf(CONTEXT_KEYS.cognitoFeaturePlan, ['essentials', 'plus'] as const, 'essentials'),
    callbackUrls,
    logoutUrls,
    domainPrefix,
  };
}

function checkOrigin(origin: string): string {
  // API Gateway matches origins literally, so a trailing slash or a path would never match.
  if (origin === '*' || /^https?:\/\/[^\s/]+$/.test(origin)) return origin;
  throw new Error(`Context ${CONTEXT_KEYS.corsOrigins}: "${origin}" is not an origin like https://itsm.example.com (no path, no trailing slash)`);
}

function checkUrl(key: string, url: string): string {
  // Cognito accepts http only for localhost.
  if (/^https:\/\/\S+$/.test(url) || /^http:\/\/localhost(:\d+)?(\/\S*)?$/.test(url)) return url;
  throw new Error(`Context ${key}: "${url}" must be an https URL (http is only allowed for localhost)`);
}

function checkEmail(email: string | undefined): string | undefined {
  return email === undefined ? undefined : checkAddress(CONTEXT_KEYS.alarmEmail, email);
}

function checkAddress(key: string, email: string): string {
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return email;
  throw new Error(`Context ${key}: "${email}" is not an email address`);
}

class ContextReader {
  constructor(private readonly node: Node) {}

  private raw(key: string): unknown {
    const value: unknown = this.node.tryGetContext(key);
    return value === '' || value === null ? undefined : value;
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new Error(`Context ${key} must be a string, got ${JSON.stringify(value)}`);
    return value.trim() === '' ? undefined : value.trim();
  }

  /** A comma separated string (as `-c` gives it) or an array (as cdk.json may). */
  list(key: string): string[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
    if (items === undefined || items.some((item) => typeof item !== 'string')) {
      throw new Error(`Context ${key} must be a comma separated string or a list of strings, got ${JSON.stringify(value)}`);
    }
    return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  }

  /**
   * A list that may hold objects: a JSON array (cdk.json, or `-c 'key=[...]'`), or a comma
   * separated string of plain values (`-c key=a,b`).
   */
  jsonList(key: string): unknown[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    if (typeof value === 'string') {
      const text = value.trim();
      if (!text.startsWith('[')) return this.list(key);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Error(`Context ${key} is not valid JSON: ${(error as Error).message}`);
      }
      if (Array.isArray(parsed)) return parsed;
    }
    throw new Error(`Context ${key} must be a JSON list or a comma separated string, got ${JSON.stringify(value)}`);
  }

  number(key: string, fallback: number): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (!Number.isFinite(parsed) || parsed < 0) {
      throw new Error(`Context ${key} must be a non-negative number, got ${JSON.stringify(value)}`);
    }
    return parsed;
  }

  integer(key: string, fallback: number): number {
    const parsed = this.number(key, fallback);
    if (!Number.isInteger(parsed)) throw new Error(`Context ${key} must be a whole number, got ${parsed}`);
    return parsed;
  }

  integerBetween(key: string, fallback: number, min: number, max: number): number {
    const parsed = this.integer(key, fallback);
    if (parsed < min || parsed > max) throw new Error(`Context ${key} must be between ${min} and ${max}, got ${parsed}`);
    return parsed;
  }

  /** `true` / `false`, as a boolean (cdk.json) or a string (`-c key=true`); anything else is refused. */
  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(key);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    const match = allowed.find((candidate) => candidate === lower);
    if (match === undefined) throw new Error(`Context ${key} must be one of ${allowed.join(', ')}, got "${value}"`);
    return match;
  }

  retention(key: string, fallback: number): RetentionDays {
    const days = this.integer(key, fallback);
    // CloudWatch Logs only accepts these values; 0 would mean "never expire", which we do not offer.
    const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0 && v !== RetentionDays.INFINITE);
    if (!allowed.includes(days)) {
      throw new Error(`Context ${key} must be one of ${allowed.join(', ')} (CloudWatch Logs retention values), got ${days}`);
    }
    return days as RetentionDays;
  }
}
