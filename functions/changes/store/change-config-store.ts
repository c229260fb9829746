import { groupKey, serviceKey } from '../../directory/store/keys.ts';
import { createRecordItems, GROUPS, missingRecords, SERVICES } from '../../directory/store/records.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { type FieldError, fieldError, validationFailed } from '../../shared/errors.ts';
import { log } from '../../shared/log.ts';
import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { db, type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import type { FieldCheck } from '../../shared/store/field-checks.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { addedConfigurationItems, unknownConfigurationItemErrors, unknownConfigurationItems } from '../configuration-items.ts';
import { DEFAULT_BOARD_GROUPS, DEFAULT_CHANGE_CONFIG } from '../defaults.ts';
import { CRITICALITIES, DEFAULT_RISK_RULES, type RiskRules } from '../domain/risk.ts';

/*
 * The change configuration is one item, `CONFIG#CHANGES` / `CONFIG`: every submission reads it
 * with one GetItem (boards, quorum, timing and risk rules together). Until it is first written
 * (by seedChangeDefaults or an admin's PUT) the code uses DEFAULT_CHANGE_CONFIG at version 0.
 * Its history and the seeding marker (`SEEDED`) sit in the same partition, next to the change
 * number sequence (`SEQUENCE`, change-store.ts); nothing Queries the partition, so its history
 * growing costs no read anything else does.
 */

export const CHANGE_CONFIG_PK = 'CONFIG#CHANGES';
export const changeConfigKey = { pk: CHANGE_CONFIG_PK, sk: 'CONFIG' } as const;
const SEEDED_KEY = { pk: CHANGE_CONFIG_PK, sk: 'SEEDED' } as const;
/** The history subject: the configuration's path in the API. */
const SUBJECT = 'change-config';
const SEED_ACTOR = 'change-defaults';

export interface ChangeConfig {
  /** The change advisory board: approves normal changes of medium and high risk. */
  cabGroup: string;
  /** The emergency board: one approval lets an emergency change go ahead. */
  emergencyGroup: string;
  /** Told when an approval stalls past its reminders. */
  changeManagersGroup: string;
  /** Approvals the CAB must give (N of its M members). */
  cabQuorum: number;
  /** Each wait for approvers before a reminder (then the escalation, then expiry). */
  approvalTimeoutSeconds: number;
  /** Reminders before the change managers are told. */
  reminders: number;
  riskRules: RiskRules;
  /** The ETag; 0 until the configuration is first written. */
  version: number;
  /** Absent until the configuration is first written. */
  updatedAt?: string;
}

/** The fields an admin sets; history tracks these. */
export const CHANGE_CONFIG_FIELDS = [
  'cabGroup',
  'emergencyGroup',
  'changeManagersGroup',
  'cabQuorum',
  'approvalTimeoutSeconds',
  'reminders',
  'riskRules',
] as const;

// ---------------------------------------------------------------------------------------------
// Canonical shapes. DynamoDB keeps no order inside maps; these put members back in the order the
// API documents, so equal configurations compare equal as JSON (history diffs rely on it).

/**
 * Rules written before the rule existed (issue 14), or a PUT leaving it out, take the default:
 * a stored configuration is never refused for lacking it.
 */
function impactedServicesRule(rules: WrittenRiskRules): RiskRules['impactedServices'] {
  const rule = rules.impactedServices ?? DEFAULT_RISK_RULES.impactedServices;
  return { moreThan: rule.moreThan, points: rule.points };
}

/** Risk rules as stored before issue 14 or as a PUT may send them: without impactedServices. */
export type WrittenRiskRules = Omit<RiskRules, 'impactedServices'> & Partial<Pick<RiskRules, 'impactedServices'>>;

export function canonicalRiskRules(rules: WrittenRiskRules): RiskRules {
  return {
    criticality: Object.fromEntries(CRITICALITIES.map((c) => [c, rules.criticality[c]])) as RiskRules['criticality'],
    extraServices: { pointsEach: rules.extraServices.pointsEach, maxPoints: rules.extraServices.maxPoints },
    configurationItems: { moreThan: rules.configurationItems.moreThan, points: rules.configurationItems.points },
    impactedServices: impactedServicesRule(rules),
    outage: rules.outage,
    emergency: rules.emergency,
    conflicts: { pointsEach: rules.conflicts.pointsEach, maxPoints: rules.conflicts.maxPoints },
    failureRate: {
      minChanges: rules.failureRate.minChanges,
      bands: rules.failureRate.bands.map(({ atLeast, points }) => ({ atLeast, points })),
    },
    levels: { medium: rules.levels.medium, high: rules.levels.high },
  };
}

export function canonicalChangeConfig(
  config: Omit<ChangeConfig, 'version' | 'updatedAt' | 'riskRules'> & { riskRules: WrittenRiskRules; version?: number; updatedAt?: string | undefined },
): ChangeConfig {
  return {
    cabGroup: config.cabGroup,
    emergencyGroup: config.emergencyGroup,
    changeManagersGroup: config.changeManagersGroup,
    cabQuorum: config.cabQuorum,
    approvalTimeoutSeconds: config.approvalTimeoutSeconds,
    reminders: config.reminders,
    riskRules: canonicalRiskRules(config.riskRules),
    ...(config.updatedAt === undefined ? {} : { updatedAt: config.updatedAt }),
    version: config.version ?? 0,
  };
}

const fromItem = (item: Item): ChangeConfig => canonicalChangeConfig(item as unknown as ChangeConfig);

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * The configuration in force: one strongly consistent GetItem, so a submission right after an
 * admin's change uses it. The defaults (version 0) when nothing was written yet.
 */
export async function loadChangeConfig(): Promise<ChangeConfig> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: changeConfigKey, ConsistentRead: true }));
  return result.Item === undefined ? canonicalChangeConfig({ ...DEFAULT_CHANGE_CONFIG, version: 0 }) : fromItem(result.Item);
}

// ---------------------------------------------------------------------------------------------
// Writing

const configPut = (config: ChangeConfig, expectedVersion: number): TransactItem => ({
  Put: {
    TableName: TABLE_NAME,
    Item: { ...changeConfigKey, entity: 'change-config', ...config },
    // Version 0 is the defaults, never stored: the first write creates the item.
    ...(expectedVersion === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

/** The name of the configuration's own item in its write: refused when another admin changed it first. */
export const CHANGE_CONFIG_ITEM = 'change-config';

/**
 * The configuration's write (CHANGE_CONFIG_ITEM: created when `expectedVersion` is 0, else replaced
 * at that version) and its history. `config` carries the new version and updatedAt.
 */
export function changeConfigItems(config: ChangeConfig, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  const at = config.updatedAt ?? new Date().toISOString();
  return [
    named(CHANGE_CONFIG_ITEM, configPut(config, expectedVersion)),
    historyPut(CHANGE_CONFIG_PK, SUBJECT, { at, actor, action: expectedVersion === 0 ? 'created' : 'updated', version: config.version, changes }),
  ];
}

/** The board groups a configuration names, each once, with the fields that name it. */
export function boardGroups(config: Pick<ChangeConfig, 'cabGroup' | 'emergencyGroup' | 'changeManagersGroup'>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const field of ['cabGroup', 'emergencyGroup', 'changeManagersGroup'] as const) {
    groups.set(config[field], [...(groups.get(config[field]) ?? []), field]);
  }
  return groups;
}

/**
 * One ConditionCheck per distinct board group (a transaction may touch an item only once, and one
 * group may well be two boards), to travel with the write: a group deleted between a read and the
 * commit cannot slip through.
 */
export const groupExistsCheck = (name: string): TransactItem => directoryRecordLive(groupKey(name));

// ---------------------------------------------------------------------------------------------
// References of templates and blackout windows

/**
 * The services and the group a template or a blackout window names, and a template's configuration
 * items. They are read first (one BatchGetItem per kind, in parallel), so that every missing one gets its own field error with its
 * index (`services.2`), and checked again inside the write's transaction, so that one deleted
 * between the read and the commit cannot slip through (that rare refusal names the field only).
 */
export async function configReferences(refs: {
  services?: readonly string[] | undefined;
  assignmentGroup?: string | undefined;
  /** A template's: CI ids (one BatchGet). `known`, those it named already, are not checked: free text from before the CMDB stays. */
  configurationItems?: { ids: readonly string[]; known: readonly string[] };
}): Promise<FieldCheck[]> {
  const services = refs.services ?? [];
  const group = refs.assignmentGroup;
  const items = refs.configurationItems?.ids ?? [];
  const [missingServices, missingGroups, unknownItems] = await Promise.all([
    services.length === 0 ? new Set<string>() : missingRecords(SERVICES, services),
    group === undefined ? new Set<string>() : missingRecords(GROUPS, [group]),
    unknownConfigurationItems(addedConfigurationItems(refs.configurationItems?.known, items)),
  ]);
  const errors: FieldError[] = services.flatMap((name, i) =>
    missingServices.has(name) ? [fieldError('body', ['services', i], `There is no service named '${name}'`)] : [],
  );
  errors.push(...unknownConfigurationItemErrors(unknownItems, items, ['configurationItems']));
  if (group !== undefined && missingGroups.has(group)) errors.push(fieldError('body', ['assignmentGroup'], `There is no group named '${group}'`));
  if (errors.length > 0) throw validationFailed(errors);

  const checks: FieldCheck[] = services.map((name) => ({
    item: directoryRecordLive(serviceKey(name)),
    refusal: () => ({ path: ['services'], message: `Service '${name}' was deleted meanwhile` }),
  }));
  if (group !== undefined) {
    checks.push({ item: groupExistsCheck(group), refusal: () => ({ path: ['assignmentGroup'], message: `Group '${group}' was deleted meanwhile` }) });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Defaults

export interface ChangeSeedOutcome {
  /** false: the defaults had been written before (and may since have been changed or deleted). */
  seeded: boolean;
  /** Whether the configuration item was written (false when an admin had already written one). */
  config: boolean;
  /** The board groups created, empty; groups that existed are left as they are. */
  groups: string[];
}

const SEED_ATTEMPTS = 3;

async function readSeedState(): Promise<{ seeded: boolean; config: boolean; groups: Set<string> }> {
  const found = await batchGetExisting([SEEDED_KEY, changeConfigKey, ...DEFAULT_BOARD_GROUPS.map((g) => groupKey(g.name))], {
    consistentRead: true,
    attributes: [],
  });
  const has = (key: { pk: string; sk: string }) => found.some((item) => item.pk === key.pk && item.sk === key.sk);
  return {
    seeded: has(SEEDED_KEY),
    config: has(changeConfigKey),
    groups: new Set(DEFAULT_BOARD_GROUPS.filter((g) => has(groupKey(g.name))).map((g) => g.name)),
  };
}

/**
 * Writes the default configuration and creates its board groups (empty: members are people, who
 * only admins know), once per table. The `SEEDED` marker goes in the same transaction and its
 * presence ends every later call, so a board group an admin deleted (having named others in the
 * configuration) stays deleted. What exists already, an admin's configuration or a group of the
 * same name (the local demo directory has `cab` and `ecab` with members), is left as it is.
 */
export async function seedChangeDefaults(now: Date = new Date()): Promise<ChangeSeedOutcome> {
  // Another seeding (a second deployment, a second local start) or an admin got there first: look again.
  return retryOnConflict(
    async () => {
      const state = await readSeedState();
      if (state.seeded) return { seeded: false, config: false, groups: [] };
      const at = now.toISOString();
      const items: TransactionEntry[] = [
        {
          Put: { TableName: TABLE_NAME, Item: { ...SEEDED_KEY, entity: 'change-seed-marker', seededAt: at }, ConditionExpression: 'attribute_not_exists(pk)' },
        },
      ];
      if (!state.config) {
        const config = canonicalChangeConfig({ ...DEFAULT_CHANGE_CONFIG, updatedAt: at, version: 1 });
        const changes = CHANGE_CONFIG_FIELDS.map((field) => ({ field, from: null, to: config[field] }));
        items.push(...changeConfigItems(config, 0, SEED_ACTOR, changes));
      }
      const groups = DEFAULT_BOARD_GROUPS.filter((g) => !state.groups.has(g.name));
      for (const group of groups) {
        const record = {
          name: group.name,
          displayName: group.displayName,
          description: group.description,
          members: [],
          createdAt: at,
          updatedAt: at,
          version: 1,
        };
        const changes = (['displayName', 'description', 'members'] as const).map((field) => ({ field, from: null, to: record[field] }));
        items.push(...createRecordItems(GROUPS, group.name, record, SEED_ACTOR, changes));
      }
      await transactWrite(items);
      const outcome = { seeded: true, config: !state.config, groups: groups.map((g) => g.name) };
      log.info('Change defaults written', outcome);
      return outcome;
    },
    { attempts: SEED_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused },
  );
}
