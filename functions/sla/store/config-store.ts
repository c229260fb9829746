import { escalationPolicyKey, groupKey } from '../../directory/store/keys.ts';
import type { CrudRecord, RecordStore } from '../../shared/crud/crud.ts';
import { log } from '../../shared/log.ts';
import { type FieldDiff, type HistoryDraft, historyPut } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { DEFAULT_CALENDARS, DEFAULT_SLA_POLICIES } from '../defaults.ts';
import {
  type Calendar,
  CLOCK_NAMES,
  type ClockName,
  type EscalationLevel,
  type EscalationPolicy,
  type SlaConfig,
  type SlaPolicy,
  WEEKDAYS,
} from '../domain/types.ts';

/*
 * The SLA configuration is one partition, `CONFIG#SLA`: calendars (`CALENDAR#<name>`), policies
 * (`POLICY#<name>`), a revision counter (`REVISION`) and the seeding marker (`SEEDED`). Incident
 * writes read all of it in one Query. Its history lives in a partition of its own
 * (`CONFIG#SLA#HISTORY`), so that the Query never grows with the number of changes.
 *
 * Policies depend on calendars (a policy names one; days are refused in targets counted in
 * working hours) and on each other (no two with the same scope). Those rules span records, so
 * every change of a calendar or a policy is checked against a snapshot of the whole partition and
 * commits only if the revision is still the one that snapshot read: no rule can be broken by two
 * admins racing.
 *
 * Escalation policies sit next to their group: `GROUP#<name>` / `ESCALATION_POLICY`; their history
 * joins the rest of the SLA configuration's.
 */

export const SLA_CONFIG_PK = 'CONFIG#SLA';
const HISTORY_PK = 'CONFIG#SLA#HISTORY';
const REVISION_SK = 'REVISION';
const SEEDED_SK = 'SEEDED';
const SEED_ACTOR = 'sla-defaults';

export type ConfigKind = 'calendar' | 'policy';

const PREFIX: Record<ConfigKind, string> = { calendar: 'CALENDAR#', policy: 'POLICY#' };
const ENTITY: Record<ConfigKind, string> = { calendar: 'sla-calendar', policy: 'sla-policy' };
/** The history subject: the record's path in the API. */
const SUBJECT: Record<ConfigKind, (name: string) => string> = {
  calendar: (name) => `calendars/${name}`,
  policy: (name) => `sla-policies/${name}`,
};

export const configKey = (kind: ConfigKind, name: string) => ({ pk: SLA_CONFIG_PK, sk: `${PREFIX[kind]}${name}` });
export { escalationPolicyKey };

export interface Versioned {
  createdAt: string;
  updatedAt: string;
  version: number;
}
export type CalendarRecord = Calendar & Versioned;
export type SlaPolicyRecord = SlaPolicy & Versioned;
export type EscalationPolicyRecord = EscalationPolicy & Versioned;
export type ConfigRecord = CalendarRecord | SlaPolicyRecord;

// ---------------------------------------------------------------------------------------------
// Canonical shapes. DynamoDB keeps no order inside maps; these put members back in the order the
// API documents, and make two equal records compare equal as JSON (history diffs rely on it).

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export function canonicalCalendar(calendar: Calendar): Calendar {
  const workingHours = calendar.workingHours;
  return defined({
    name: calendar.name,
    description: calendar.description,
    timeZone: calendar.timeZone,
    workingHours:
      workingHours === undefined
        ? undefined
        : defined(Object.fromEntries(WEEKDAYS.map((day) => [day, workingHours[day]?.map(({ start, end }) => ({ start, end }))]))),
    holidays: calendar.holidays?.map(({ date, name }) => defined({ date, name })),
  });
}

export function canonicalPolicy(policy: SlaPolicy): SlaPolicy {
  const { priority, service, category } = policy.appliesTo;
  return defined({
    name: policy.name,
    description: policy.description,
    appliesTo: defined({ priority, service, category }),
    targets: defined({ response: policy.targets.response, resolution: policy.targets.resolution }),
    calendar: policy.calendar,
    pauseOn: [...policy.pauseOn],
    warnings: [...policy.warnings],
  });
}

const canonicalLevel = ({ notify, delay }: EscalationLevel): EscalationLevel => ({
  notify: defined({ users: notify.users, assignee: notify.assignee, group: notify.group, manager: notify.manager }),
  delay,
});

export function canonicalEscalationPolicy(policy: EscalationPolicy): EscalationPolicy {
  return { group: policy.group, levels: policy.levels.map(canonicalLevel), repeat: policy.repeat };
}

const meta = (item: Item): Versioned => ({ createdAt: String(item.createdAt), updatedAt: String(item.updatedAt), version: Number(item.version) });

const calendarRecord = (item: Item): CalendarRecord => ({ ...canonicalCalendar(item as unknown as Calendar), ...meta(item) });
const policyRecord = (item: Item): SlaPolicyRecord => ({ ...canonicalPolicy(item as unknown as SlaPolicy), ...meta(item) });
const escalationRecord = (item: Item): EscalationPolicyRecord => ({ ...canonicalEscalationPolicy(item as unknown as EscalationPolicy), ...meta(item) });

const scopeKey = (appliesTo: SlaPolicy['appliesTo']): string =>
  JSON.stringify([[...(appliesTo.priority ?? [])].sort(), appliesTo.service ?? null, appliesTo.category ?? null]);

/**
 * The clocks for which two policies would compete on equal terms: same criteria, both with a
 * target. The domain would break the tie by name, which no admin would guess; refusing it keeps
 * "the most specific wins" a rule people can read off the policies.
 */
export function contestedClocks(a: SlaPolicy, b: SlaPolicy): ClockName[] {
  if (scopeKey(a.appliesTo) !== scopeKey(b.appliesTo)) return [];
  return CLOCK_NAMES.filter((clock) => a.targets[clock] !== undefined && b.targets[clock] !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface SlaConfigSnapshot {
  calendars: CalendarRecord[];
  policies: SlaPolicyRecord[];
  /** Moves with every change of a calendar or a policy; 0 before the first. */
  revision: number;
  /** Whether the defaults were written once (they never are again). */
  seeded: boolean;
}

/** The whole partition, strongly consistent: one Query, followed over its pages past 1 MB. */
export async function readSlaConfig(): Promise<SlaConfigSnapshot> {
  const snapshot: SlaConfigSnapshot = { calendars: [], policies: [], revision: 0, seeded: false };
  let startKey: Item | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SLA_CONFIG_PK },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const sk = String(item.sk);
      if (sk.startsWith(PREFIX.calendar)) snapshot.calendars.push(calendarRecord(item));
      else if (sk.startsWith(PREFIX.policy)) snapshot.policies.push(policyRecord(item));
      else if (sk === REVISION_SK) snapshot.revision = Number(item.revision);
      else if (sk === SEEDED_SK) snapshot.seeded = true;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return snapshot;
}

const withoutMeta = <T extends Versioned>({ createdAt: _c, updatedAt: _u, version: _v, ...rest }: T): Omit<T, keyof Versioned> => rest;

/** Every calendar and policy, as the SLA rules take them: what incident writes start clocks from. */
export async function loadSlaConfig(): Promise<SlaConfig> {
  const { calendars, policies } = await readSlaConfig();
  return { calendars: calendars.map(withoutMeta), policies: policies.map(withoutMeta) };
}

export async function getConfigRecord(kind: 'calendar', name: string): Promise<CalendarRecord | undefined>;
export async function getConfigRecord(kind: 'policy', name: string): Promise<SlaPolicyRecord | undefined>;
export async function getConfigRecord(kind: ConfigKind, name: string): Promise<ConfigRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: configKey(kind, name), ConsistentRead: true }));
  if (result.Item === undefined) return undefined;
  return kind === 'calendar' ? calendarRecord(result.Item) : policyRecord(result.Item);
}

/** One page of calendars or policies, by name. */
export async function listConfigRecords(kind: ConfigKind, limit: number, cursor?: string): Promise<Page<ConfigRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': SLA_CONFIG_PK, ':prefix': PREFIX[kind] },
    },
    limit,
    cursor,
    filterFingerprint({ kind: ENTITY[kind] }),
  );
  const toRecord: (item: Item) => ConfigRecord = kind === 'calendar' ? calendarRecord : policyRecord;
  return { ...page, items: page.items.map(toRecord) };
}

// ---------------------------------------------------------------------------------------------
// Writing calendars and policies

/** The names of configChangeItems' record write and revision check, to tell a refusal apart. */
export const CONFIG_RECORD_ITEM = 'record';
export const REVISION_ITEM = 'revision';

export interface ConfigChange {
  kind: ConfigKind;
  name: string;
  action: 'created' | 'updated' | 'deleted';
  /** The record as it will be (created, updated). */
  record?: ConfigRecord;
  /** The version read (updated, deleted). */
  expectedVersion?: number;
  changes: FieldDiff[];
  actor: string;
  at: string;
}

function revisionItem(revision: number): TransactItem {
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: { pk: SLA_CONFIG_PK, sk: REVISION_SK },
      UpdateExpression: 'SET revision = :next, entity = :entity',
      ConditionExpression: revision === 0 ? 'attribute_not_exists(pk)' : 'revision = :read',
      ExpressionAttributeValues: { ':next': revision + 1, ':entity': 'sla-config-revision', ...(revision === 0 ? {} : { ':read': revision }) },
    },
  };
}

const configHistory = (kind: ConfigKind, name: string, draft: HistoryDraft): TransactItem => historyPut(HISTORY_PK, SUBJECT[kind](name), draft);

function recordPut(kind: ConfigKind, record: ConfigRecord, condition: { expectedVersion?: number }): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...configKey(kind, record.name), entity: ENTITY[kind], ...record },
      ...(condition.expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': condition.expectedVersion } }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * The record's write (CONFIG_RECORD_ITEM), its history and the revision check (REVISION_ITEM), for
 * a change validated against the snapshot of `revision`. Callers add their own checks.
 */
export function configChangeItems(change: ConfigChange, revision: number): TransactionEntry[] {
  const version = change.action === 'deleted' ? (change.expectedVersion ?? 0) + 1 : (change.record?.version ?? 1);
  const draft: HistoryDraft = { at: change.at, actor: change.actor, action: change.action, version, changes: change.changes };
  let write: TransactItem;
  if (change.action === 'deleted') {
    write = {
      Delete: {
        TableName: TABLE_NAME,
        Key: configKey(change.kind, change.name),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': change.expectedVersion },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  } else {
    if (change.record === undefined) throw new Error(`A ${change.action} ${change.kind} needs its record`);
    write = recordPut(change.kind, change.record, change.action === 'updated' ? { expectedVersion: change.expectedVersion ?? 0 } : {});
  }
  return [named(CONFIG_RECORD_ITEM, write), configHistory(change.kind, change.name, draft), named(REVISION_ITEM, revisionItem(revision))];
}

/** Whether a refused change lost a race on the revision only: worth re-reading and trying again. */
export const lostRevisionRace = (error: unknown): boolean => error instanceof TransactionRefused && error.has(REVISION_ITEM) && !error.has(CONFIG_RECORD_ITEM);

const REVISION_ATTEMPTS = 4;

/**
 * The shared CRUD's store for calendars or policies: every write is validated against a snapshot
 * of the whole configuration and commits with its revision. A write that loses the revision race
 * to another admin's change runs again from a fresh snapshot, so its checks see that change. A
 * replace or delete starts from the snapshot (no extra read).
 */
export function slaConfigStore(kind: ConfigKind): RecordStore<SlaConfigSnapshot> {
  const asRecord = (record: ConfigRecord | undefined) => record as CrudRecord | undefined;
  return {
    snapshot: readSlaConfig,
    retry: { attempts: REVISION_ATTEMPTS, isConflict: lostRevisionRace },
    get: async (name) => asRecord(kind === 'calendar' ? await getConfigRecord('calendar', name) : await getConfigRecord('policy', name)),
    current: async (name, snapshot) => asRecord((kind === 'calendar' ? snapshot.calendars : snapshot.policies).find((r) => r.name === name)),
    list: async (limit, cursor) => (await listConfigRecords(kind, limit, cursor)) as unknown as Page<CrudRecord>,
    recordItemName: () => CONFIG_RECORD_ITEM,
    createItems: (name, record, changes, { snapshot, actor, at }) =>
      configChangeItems({ kind, name, action: 'created', record: record as unknown as ConfigRecord, changes, actor, at }, snapshot.revision),
    replaceItems: (name, record, expectedVersion, changes, { snapshot, actor, at }) =>
      configChangeItems({ kind, name, action: 'updated', record: record as unknown as ConfigRecord, expectedVersion, changes, actor, at }, snapshot.revision),
    deleteItems: (name, expectedVersion, { snapshot, actor, at }) =>
      configChangeItems({ kind, name, action: 'deleted', expectedVersion, changes: [], actor, at }, snapshot.revision),
  };
}

// ---------------------------------------------------------------------------------------------
// Defaults

export interface SeedOutcome {
  /** false: the defaults had been written before (and may since have been changed or deleted). */
  seeded: boolean;
  calendars: string[];
  policies: string[];
}

const SEED_ATTEMPTS = 3;

/**
 * Writes the default calendars and policies, once per table: the `SEEDED` marker goes in the same
 * transaction, and its presence ends every later call, so a default an admin deleted stays
 * deleted. A default whose name is already taken, or a policy that would contest an admin's
 * policy (contestedClocks), is left out rather than overwritten.
 */
export async function seedSlaDefaults(now: Date = new Date()): Promise<SeedOutcome> {
  // Another seeding (a second deployment, a second local start) or an admin got there first: look again.
  return retryOnConflict(
    async () => {
      const snapshot = await readSlaConfig();
      if (snapshot.seeded) return { seeded: false, calendars: [], policies: [] };
      const at = now.toISOString();
      const calendarNames = new Set(snapshot.calendars.map((c) => c.name));
      const calendars = DEFAULT_CALENDARS.filter((c) => !calendarNames.has(c.name));
      for (const c of calendars) calendarNames.add(c.name);
      const policyNames = new Set(snapshot.policies.map((p) => p.name));
      const policies = DEFAULT_SLA_POLICIES.filter(
        (p) => !policyNames.has(p.name) && calendarNames.has(p.calendar) && snapshot.policies.every((q) => contestedClocks(p, q).length === 0),
      );

      const create = (kind: ConfigKind, record: Calendar | SlaPolicy): TransactionEntry[] => {
        const stored = { ...record, createdAt: at, updatedAt: at, version: 1 } as ConfigRecord;
        const changes = Object.entries(record)
          .filter(([field]) => field !== 'name')
          .map(([field, to]) => ({ field, from: null, to }));
        return [recordPut(kind, stored, {}), configHistory(kind, record.name, { at, actor: SEED_ACTOR, action: 'created', version: 1, changes })];
      };
      const items: TransactionEntry[] = [
        {
          Put: {
            TableName: TABLE_NAME,
            Item: { pk: SLA_CONFIG_PK, sk: SEEDED_SK, entity: 'sla-seed-marker', seededAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        revisionItem(snapshot.revision),
        ...calendars.flatMap((c) => create('calendar', c)),
        ...policies.flatMap((p) => create('policy', p)),
      ];
      await transactWrite(items);
      const outcome = { seeded: true, calendars: calendars.map((c) => c.name), policies: policies.map((p) => p.name) };
      log.info('SLA defaults written', outcome);
      return outcome;
    },
    { attempts: SEED_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused },
  );
}

// ---------------------------------------------------------------------------------------------
// Escalation policies

export async function getEscalationPolicyRecord(group: string): Promise<EscalationPolicyRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: escalationPolicyKey(group), ConsistentRead: true }));
  return result.Item === undefined ? undefined : escalationRecord(result.Item);
}

/** The group's own escalation policy; undefined when it escalates by DEFAULT_ESCALATION_POLICY. */
export async function getEscalationPolicy(group: string): Promise<EscalationPolicy | undefined> {
  const record = await getEscalationPolicyRecord(group);
  return record === undefined ? undefined : canonicalEscalationPolicy(record);
}

/** The names of escalationPolicyItems' policy write and group check, to tell a refusal apart. */
export const ESCALATION_POLICY_ITEM = 'escalation-policy';
export const ESCALATION_GROUP_CHECK = 'group';

/**
 * The policy's write (ESCALATION_POLICY_ITEM: created when `expectedVersion` is 0, else replaced at
 * that version), the check that its group exists (ESCALATION_GROUP_CHECK) and its history.
 */
export function escalationPolicyItems(record: EscalationPolicyRecord, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  return [
    named(ESCALATION_POLICY_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...escalationPolicyKey(record.group), entity: 'escalation-policy', ...record },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    named(ESCALATION_GROUP_CHECK, { ConditionCheck: { TableName: TABLE_NAME, Key: groupKey(record.group), ConditionExpression: 'attribute_exists(pk)' } }),
    historyPut(HISTORY_PK, `groups/${record.group}/escalation-policy`, {
      at: record.updatedAt,
      actor,
      action: expectedVersion === 0 ? 'created' : 'updated',
      version: record.version,
      changes,
    }),
  ];
}
