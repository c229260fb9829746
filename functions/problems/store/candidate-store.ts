import { createHash } from 'node:crypto';
import { getRecord, SERVICES, type VersionedRecord } from '../../directory/store/records.ts';
import { type FieldDiff, historyPut, newId } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { conflictBackoff, retryOnConflict } from '../../shared/store/retry.ts';
import { takeNextInSequence } from '../../shared/store/sequence.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import {
  type CandidateEventType,
  type CandidateStatus,
  candidateFoundRecord,
  candidateOutboxRecord,
  formatCandidateNumber,
  type ProblemCandidate,
} from '../domain/candidate.ts';
import { type CountedIncident, countIncident, DAY_MS, keyId, type RecurrenceCounter, type RecurrenceKey, type RecurrenceRule } from '../domain/recurrence.ts';
import { candidateReportEntry } from './report-store.ts';

/*
 * Recurring incidents and the candidates they make (see docs/problems.md):
 *
 *   counter    pk PROBLEMRECUR#<key>  sk COUNTER             one per recurrence key (SC#<service>#<category>,
 *                                                            DK#<scope>#<dedupKey>): the incidents that may
 *                                                            still make a candidate, coveredUntil, version
 *   marker     pk PROBLEMRECUR#<key>  sk INCIDENT#<id>       an incident counted on the key (TTL)
 *   candidate  pk PROBLEMCANDIDATE#<id> sk CANDIDATE        gsi1 PROBLEMCANDIDATE / <createdAt>#<id> (all, newest first)
 *                                                            gsi2 PROBLEMCANDIDATE#STATUS#<status> / same (by status)
 *   outbox     pk PROBLEMCANDIDATE#<id> sk OUTBOX#<eventId>  'Problem Candidate Found' / 'Accepted' / 'Dismissed'
 *   history    pk PROBLEMCANDIDATE#<id> sk HISTORY#<ulid>    created, then accepted or dismissed (action updated)
 *   sequence   pk CONFIG#PROBLEMS     sk CANDIDATE_SEQUENCE  candidate numbers
 *
 * Counting one incident on one key is ONE transaction: the marker (new: a redelivered stream
 * record is refused by it and so counted once), the counter at the version read (two incidents
 * counted at once cannot both build on the same count: one is refused and counts again on a
 * fresh read), and, when this incident makes the candidate, the candidate (new, its id derived
 * from the key and its window: one candidate per key and window whatever happens) and its outbox
 * record. No Scan anywhere: everything is read by key.
 */

const DETECTION_ACTOR = 'problem-detection';
const COUNTER_SK = 'COUNTER';
const CANDIDATE_SK = 'CANDIDATE';
const SEQUENCE_KEY = { pk: 'CONFIG#PROBLEMS', sk: 'CANDIDATE_SEQUENCE' } as const;
const ALL_CANDIDATES = 'PROBLEMCANDIDATE';

export const recurrencePartition = (key: RecurrenceKey): string => `PROBLEMRECUR#${keyId(key)}`;
export const candidatePartition = (id: string): string => `PROBLEMCANDIDATE#${id}`;
const candidateKey = (id: string) => ({ pk: candidatePartition(id), sk: CANDIDATE_SK });

/** The candidate of a key and window: the same id however often (or concurrently) it is recorded. */
export function candidateIdOf(key: RecurrenceKey, windowStart: string): string {
  return createHash('sha256')
    .update(`${keyId(key)}\n${windowStart}`)
    .digest('base64url')
    .slice(0, 26);
}

export const COUNTER_ITEM = 'recurrence-counter';
export const MARKER_ITEM = 'recurrence-marker';
export const CANDIDATE_ITEM = 'candidate';

interface StoredCounter extends RecurrenceCounter {
  version: number;
}

async function readCounter(key: RecurrenceKey): Promise<StoredCounter> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: recurrencePartition(key), sk: COUNTER_SK }, ConsistentRead: true }));
  const item = result.Item;
  if (item === undefined) return { incidents: [], version: 0 };
  return {
    incidents: (item.incidents as CountedIncident[] | undefined) ?? [],
    ...(typeof item.coveredUntil === 'string' ? { coveredUntil: item.coveredUntil } : {}),
    version: Number(item.version),
  };
}

async function allocateCandidateNumber(): Promise<string> {
  const { sequence } = await takeNextInSequence(SEQUENCE_KEY, 'problem-candidate-sequence');
  return formatCandidateNumber(sequence);
}

/** The owner group of a service, when it has one (the candidate's notification goes there). */
async function ownerGroupOf(service: string | undefined): Promise<string | undefined> {
  if (service === undefined) return undefined;
  const record = await getRecord<VersionedRecord & { ownerGroup?: string }>(SERVICES, service);
  return record?.ownerGroup;
}

const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

function counterPut(key: RecurrenceKey, counter: RecurrenceCounter, expectedVersion: number, rule: RecurrenceRule): TransactionEntry {
  // Nothing is left to count once the newest incident and the covered window are a window old.
  const lastUseful = Math.max(
    0,
    ...counter.incidents.map((i) => Date.parse(i.createdAt)),
    counter.coveredUntil === undefined ? 0 : Date.parse(counter.coveredUntil),
  );
  const item: Item = {
    pk: recurrencePartition(key),
    sk: COUNTER_SK,
    entity: 'problem-recurrence-counter',
    key,
    incidents: counter.incidents,
    ...(counter.coveredUntil === undefined ? {} : { coveredUntil: counter.coveredUntil }),
    version: expectedVersion + 1,
    expiresAt: Math.floor((lastUseful + (rule.windowDays + 1) * DAY_MS) / 1000),
  };
  return named(COUNTER_ITEM, {
    Put: {
      TableName: TABLE_NAME,
      Item: item,
      ...(expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
    },
  });
}

function markerPut(key: RecurrenceKey, incident: CountedIncident, rule: RecurrenceRule): TransactionEntry {
  return named(MARKER_ITEM, {
    Put: {
      TableName: TABLE_NAME,
      Item: {
        pk: recurrencePartition(key),
        sk: `INCIDENT#${incident.id}`,
        entity: 'problem-recurrence-marker',
        incidentId: incident.id,
        // Stream records live 24 hours: a marker kept a window and a day outlives any redelivery.
        expiresAt: epochSeconds(incident.createdAt) + (rule.windowDays + 1) * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
}

function candidateItem(candidate: ProblemCandidate): Item {
  const sortKey = `${candidate.createdAt}#${candidate.id}`;
  return {
    ...candidateKey(candidate.id),
    entity: 'problem-candidate',
    ...candidate,
    gsi1pk: ALL_CANDIDATES,
    gsi1sk: sortKey,
    gsi2pk: `${ALL_CANDIDATES}#STATUS#${candidate.status}`,
    gsi2sk: sortKey,
  };
}

export type CountResult = 'counted' | 'candidate' | 'duplicate';

const ATTEMPTS = 8;

/**
 * Counts the incident on the key under the rule: exactly once, whatever the redeliveries and
 * whatever other incidents of the key are counted at the same moment.
 */
export async function countOnKey(key: RecurrenceKey, incident: CountedIncident, rule: RecurrenceRule): Promise<CountResult> {
  try {
    return await retryOnConflict(
      async () => {
        const stored = await readCounter(key);
        const outcome = countIncident(stored, incident, rule);
        const entries: TransactionEntry[] = [markerPut(key, incident, rule), counterPut(key, outcome.counter, stored.version, rule)];
        if (outcome.candidate !== undefined) {
          const [number, assignmentGroup] = await Promise.all([allocateCandidateNumber(), ownerGroupOf(key.service)]);
          const now = new Date().toISOString();
          const candidate: ProblemCandidate = {
            id: candidateIdOf(key, outcome.candidate.windowStart),
            number,
            status: 'open',
            key,
            rule,
            windowStart: outcome.candidate.windowStart,
            windowEnd: outcome.candidate.windowEnd,
            incidents: outcome.candidate.incidents,
            ...(assignmentGroup === undefined ? {} : { assignmentGroup }),
            createdAt: now,
            updatedAt: now,
            version: 1,
          };
          const eventId = newId();
          entries.push(
            named(CANDIDATE_ITEM, { Put: { TableName: TABLE_NAME, Item: candidateItem(candidate), ConditionExpression: 'attribute_not_exists(pk)' } }),
            outboxItemPut(outboxKey(candidatePartition(candidate.id), eventId), candidateFoundRecord(candidate, eventId, DETECTION_ACTOR), new Date(now)),
            historyPut(candidatePartition(candidate.id), candidate.id, {
              at: now,
              actor: DETECTION_ACTOR,
              action: 'created',
              version: candidate.version,
              changes: [{ field: 'status', from: null, to: candidate.status }],
            }),
            ...candidateReportEntry('found'),
          );
        }
        await transactWrite(entries);
        return outcome.candidate === undefined ? 'counted' : 'candidate';
      },
      {
        attempts: ATTEMPTS,
        backoff: conflictBackoff,
        // Another incident of the key was counted in between (its candidate too, maybe): count again on a fresh read.
        isConflict: (error) => error instanceof TransactionRefused && !error.has(MARKER_ITEM) && (error.has(COUNTER_ITEM) || error.conflicted),
      },
    );
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    // Counted before (a redelivered record): the marker is there.
    if (error.has(MARKER_ITEM)) return 'duplicate';
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and changing candidates

const CANDIDATE_FIELD_ORDER = [
  'id',
  'number',
  'status',
  'key',
  'rule',
  'windowStart',
  'windowEnd',
  'incidents',
  'assignmentGroup',
  'acceptance',
  'dismissal',
  'createdAt',
  'updatedAt',
  'version',
];

const KEY_ORDER = ['kind', 'service', 'category', 'dedupKey', 'dedupScope'];
const RULE_ORDER = ['threshold', 'windowDays'];

function ordered(value: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(order.filter((k) => value[k] !== undefined).map((k) => [k, value[k]]));
}

export function candidateFromItem(item: Item): ProblemCandidate {
  const candidate = withoutKeys<ProblemCandidate>(item, CANDIDATE_FIELD_ORDER);
  return {
    ...candidate,
    key: ordered(candidate.key as unknown as Record<string, unknown>, KEY_ORDER) as unknown as ProblemCandidate['key'],
    rule: ordered(candidate.rule as unknown as Record<string, unknown>, RULE_ORDER) as unknown as ProblemCandidate['rule'],
    incidents: candidate.incidents.map((i) => ({ id: i.id, number: i.number, createdAt: i.createdAt })),
  };
}

export async function getCandidate(id: string): Promise<ProblemCandidate | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: candidateKey(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : candidateFromItem(result.Item);
}

/** Newest first, all or one status: one Query on gsi1 or gsi2. */
export async function listCandidates(status: CandidateStatus | undefined, limit: number, cursor: string | undefined): Promise<Page<ProblemCandidate>> {
  const index = status === undefined ? 'gsi1' : 'gsi2';
  const partition = status === undefined ? ALL_CANDIDATES : `${ALL_CANDIDATES}#STATUS#${status}`;
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
    },
    limit,
    cursor,
    filterFingerprint({ candidates: status ?? 'all' }),
  );
  return { ...page, items: page.items.map(candidateFromItem) };
}

/** The candidate's replacement at the version it was read at (refused under CANDIDATE_ITEM when it moved). */
export function candidateReplace(candidate: ProblemCandidate): TransactionEntry {
  return named(CANDIDATE_ITEM, {
    Put: {
      TableName: TABLE_NAME,
      Item: candidateItem(candidate),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': candidate.version - 1 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  });
}

/**
 * What accepting or dismissing a candidate writes besides the candidate itself: its history record
 * (the status and the acceptance or dismissal, as changes) and its event, for the same transaction.
 */
export function candidateDecisionEntries(before: ProblemCandidate, after: ProblemCandidate, actor: string, type: CandidateEventType): TransactItem[] {
  const changes: FieldDiff[] = [{ field: 'status', from: before.status, to: after.status }];
  if (after.acceptance !== undefined) changes.push({ field: 'acceptance', from: null, to: after.acceptance });
  if (after.dismissal !== undefined) changes.push({ field: 'dismissal', from: null, to: after.dismissal });
  const eventId = newId();
  return [
    historyPut(candidatePartition(after.id), after.id, { at: after.updatedAt, actor, action: 'updated', version: after.version, changes }),
    outboxItemPut(outboxKey(candidatePartition(after.id), eventId), candidateOutboxRecord(type, after, eventId, actor), new Date(after.updatedAt)),
  ];
}

export type { TransactItem };
