import { groupKey } from '../directory/store/keys.ts';
import { directoryRecordLive, isBeingDeleted } from '../directory/store/references.ts';
import { instanceIssues } from '../shared/domain/json-schema.ts';
import { conflict, fieldError, HttpError, notFound, preconditionFailed, validationFailed } from '../shared/errors.ts';
import { etagOf } from '../shared/http/handler.ts';
import type { FieldDiff } from '../shared/store/audit.ts';
import { newId } from '../shared/store/audit.ts';
import { type Condition, named, type TransactionEntry, TransactionRefused, transactWrite } from '../shared/store/transaction.ts';
import {
  applyCiPatch,
  type Ci,
  type CiInput,
  type CiPatch,
  type CiSource,
  ciDiffs,
  isBuiltInCiClass,
  isServiceCiId,
  MAX_RELATIONSHIPS_DELETED_WITH_CI,
  newCi,
  SERVICE_CLASS,
} from './domain/ci.ts';
import { ciClassOf } from './domain/ci-classes.ts';
import { ciEventType, ciOutboxRecord } from './domain/events.ts';
import { isStaleRelationshipRead, relationshipsDeletedWithCi } from './relationships.ts';
import { CI_CLASS_COUNT_ITEM, ciClassCountAdd, ciClassCounted, getStoredCiClass } from './store/ci-class-store.ts';
import { ciCreatePut, ciDeleteAtVersion, ciHistoryPut, ciOutboxPut, ciReplacePut, getCi, guardDelete, guardKeys, guardPut } from './store/ci-store.ts';
import { feedItemDeletesOf } from './store/feed-event-store.ts';
import { externalIdKey } from './store/keys.ts';

/*
 * Every write of a configuration item goes through here, whoever makes it (an admin through the
 * API, the AWS feed, the initial import): the CI's item at its version, its history record and one
 * outbox record as the items of ONE transaction, with the guard items of the identities it claims
 * (its external id, its AWS resource: attribute_not_exists, so no two CIs claim one resource) and,
 * on a deletion, its relationships. The CI's own item is named CI_ITEM.
 *
 * Manual writes validate attributes against the class's schema (400 naming each attribute at
 * fault), refuse an unknown class, and check in the transaction that the owner group they name
 * exists and is not being deleted (400 on ownerGroup), as the directory does for a service's
 * owner. The AWS feed's writes never fail on any of these: what AWS reports is recorded as it is,
 * a tag naming no group included (docs/cmdb.md: the CI keeps the tag's value, and a group created
 * later under that name owns it).
 *
 * Every write that makes or unmakes a CI of an admin-defined class moves that class's CI count in
 * the same transaction (store/ci-class-store.ts says why), whatever its source.
 */

/** The name of the CI's own item in its write's transaction. */
export const CI_ITEM = 'ci';
const GUARD_ITEM = 'ci-guard';
const OWNER_GROUP_ITEM = 'ci-owner-group';

export { MAX_RELATIONSHIPS_DELETED_WITH_CI };

export interface CiWriteOptions {
  /** Who: a user id, or the component (`aws-config`, `cloudformation`). */
  actor: string;
  /** Default `manual`: attributes validated, unknown classes refused. */
  source?: CiSource;
}

const isServiceWrite = (id: string) => isServiceCiId(id);

/** A CI of class `service` is a service of the directory: it is created there, never here. */
const serviceClassRefused = () =>
  validationFailed([
    fieldError(
      'body',
      ['class'],
      `CIs of class '${SERVICE_CLASS}' are the directory's services: create a service with POST /services (it is then the CI named after it)`,
    ),
  ]);

/** Writes to a service's CI go through the directory. */
export const ciIsAService = (name: string): HttpError =>
  conflict('ci-is-a-service', 'This CI is a service', `CI ${name} is the directory's service ${name}: change or delete it with /services/${name}`);

/**
 * The class a manual write names must exist and its attributes must fit the class's schema: 400
 * naming `class`, or each attribute at fault (`attributes.<path>`). That the class still exists
 * when the write commits is the class count's check (classCountEntries).
 */
async function checkAgainstClass(ci: Ci): Promise<void> {
  if (ci.class === SERVICE_CLASS) throw serviceClassRefused();
  const ciClass = ciClassOf(ci.class, await getStoredCiClass(ci.class));
  if (ciClass === undefined) throw validationFailed([fieldError('body', ['class'], `There is no CI class named '${ci.class}' (GET /ci-classes)`)]);
  const issues = instanceIssues(ciClass.attributesSchema, ci.attributes);
  if (issues.length > 0) {
    throw validationFailed(
      issues.map((issue) => fieldError('body', ['attributes', ...issue.path], issue.message)),
      `The attributes do not fit the schema of class ${ci.class}: ${issues.map((issue) => ['attributes', ...issue.path].join('.')).join(', ')}`,
    );
  }
}

/**
 * The class counts a write moves: one more CI of the admin-defined class `after` is of (a
 * creation, a change of class; held while the class exists), one fewer of the one `before` was of.
 */
function classCountEntries(before: Ci | undefined, after: Ci | undefined): TransactionEntry[] {
  if (before?.class === after?.class) return [];
  const entries: TransactionEntry[] = [];
  if (after !== undefined && !isBuiltInCiClass(after.class)) entries.push(ciClassCounted(after.class), ciClassCountAdd(after.class, 1));
  if (before !== undefined && !isBuiltInCiClass(before.class)) entries.push(ciClassCountAdd(before.class, -1));
  return entries;
}

/**
 * A manual write that names an owner group it did not name before: the group must exist and not
 * be being deleted when the write commits (the directory's group delete looks for the CIs naming
 * it, store/usage.ts, and refuses while any does). None for the AWS feed (see above).
 */
function ownerGroupEntries(before: Ci | undefined, after: Ci, source: CiSource): TransactionEntry[] {
  if (source !== 'manual' || after.ownerGroup === undefined || after.ownerGroup === before?.ownerGroup) return [];
  return [named(OWNER_GROUP_ITEM, directoryRecordLive(groupKey(after.ownerGroup)))];
}

/** The guard items a write changes: claims the identities `after` adds, releases the ones it drops. */
function guardEntries(before: Ci | undefined, after: Ci | undefined, ciId: string): TransactionEntry[] {
  const id = (key: { pk: string; sk: string }) => `${key.pk}\n${key.sk}`;
  const held = new Map((before === undefined ? [] : guardKeys(before)).map((key) => [id(key), key]));
  const wanted = new Map((after === undefined ? [] : guardKeys(after)).map((key) => [id(key), key]));
  const entries: TransactionEntry[] = [];
  let claim = 0;
  for (const [k, key] of wanted) if (!held.has(k)) entries.push(named(`${GUARD_ITEM}:${claim++}`, guardPut(key, ciId)));
  for (const [k, key] of held) if (!wanted.has(k)) entries.push(guardDelete(key, ciId));
  return entries;
}

/** A refused write's answer: another CI holds the identity (409 naming it), the class went away (400), else rethrown. */
function refusalOf(error: unknown, ci: Ci): unknown {
  if (!(error instanceof TransactionRefused)) return error;
  const guard = error.refused.find((name) => name.startsWith(GUARD_ITEM));
  if (guard !== undefined) {
    const holder = error.item(guard)?.ciId;
    const what = ci.externalId !== undefined && error.item(guard)?.pk === externalIdKey(ci.externalId).pk ? `external id ${ci.externalId}` : 'AWS resource';
    return conflict('already-exists', 'Another CI holds this resource', `CI ${String(holder)} already has this ${what}`, {
      ...(typeof holder === 'string' ? { ci: holder } : {}),
    });
  }
  if (error.has(OWNER_GROUP_ITEM)) {
    const group = error.item(OWNER_GROUP_ITEM);
    const message = group !== undefined && isBeingDeleted(group) ? `Group '${ci.ownerGroup}' is being deleted` : `There is no group named '${ci.ownerGroup}'`;
    return validationFailed([fieldError('body', ['ownerGroup'], message)]);
  }
  if (error.has(CI_CLASS_COUNT_ITEM)) return validationFailed([fieldError('body', ['class'], `CI class '${ci.class}' was deleted`)]);
  return error;
}

async function commit(entries: readonly TransactionEntry[], ci: Ci): Promise<void> {
  try {
    await transactWrite(entries);
  } catch (error) {
    throw refusalOf(error, ci);
  }
}

/** A prepared creation: the CI and the items of its transaction (the API adds its idempotency record). */
export interface CiCreation {
  ci: Ci;
  entries: TransactionEntry[];
  /** Maps a refusal of these entries to the caller's error (409 on a claimed identity, ...). */
  refusal: (error: unknown) => unknown;
}

/** Builds a creation without committing it: for callers that add items to its transaction (an Idempotency-Key's record). */
export async function prepareCiCreate(input: CiInput, options: CiWriteOptions): Promise<CiCreation> {
  const source = options.source ?? 'manual';
  const now = new Date();
  const ci = newCi(input, { id: newId(), source, now: now.toISOString() });
  if (source === 'manual') await checkAgainstClass(ci);
  const record = ciOutboxRecord({ eventId: newId(), type: 'CI Created', ci, actor: options.actor, occurredAt: ci.createdAt });
  const entries: TransactionEntry[] = [
    named(CI_ITEM, ciCreatePut(ci)),
    ...guardEntries(undefined, ci, ci.id),
    ciHistoryPut(ci.id, { at: ci.createdAt, actor: options.actor, action: 'created', version: 1, changes: ciDiffs(undefined, ci) }),
    ciOutboxPut(record, now),
    ...classCountEntries(undefined, ci),
    ...ownerGroupEntries(undefined, ci, source),
  ];
  return { ci, entries, refusal: (error) => refusalOf(error, ci) };
}

/** Creates a CI: the CI, its guard items, history and outbox in one transaction. 409 `already-exists` when another CI holds its identity. */
export async function createCi(input: CiInput, options: CiWriteOptions): Promise<Ci> {
  const creation = await prepareCiCreate(input, options);
  await commit(creation.entries, creation.ci);
  return creation.ci;
}

/** The AWS feed's own condition on an update did not hold (the CI was at the version, but not as the condition wants). */
export class CiConditionFailed extends Error {
  constructor(readonly ci: Ci) {
    super(`The condition on CI ${ci.id} does not hold`);
    this.name = 'CiConditionFailed';
  }
}

export interface CiUpdateOptions extends CiWriteOptions {
  /** The version the caller read (If-Match): 412 when it moved. Without it, the write applies to the CI as it is, retried when it moves. */
  expectedVersion?: number;
  /** An extra condition on the CI's item (the AWS feed: capture time order); CiConditionFailed when it does not hold. */
  condition?: Condition;
  /** Checks on other items the write holds on (the AWS feed: CloudFormation's order item); a refusal of one is thrown as it is (TransactionRefused). */
  checks?: readonly TransactionEntry[];
}

const UPDATE_ATTEMPTS = 3;

/**
 * Changes a CI: absent members stay, null removes an optional one. Nothing different: the CI as it
 * is, nothing written. 404 unknown CI, 409 `ci-is-a-service` for a service, 412 stale version.
 */
export async function updateCi(id: string, patch: CiPatch, options: CiUpdateOptions): Promise<Ci> {
  if (isServiceWrite(id)) throw ciIsAService(id);
  const source = options.source ?? 'manual';
  for (let attempt = 1; ; attempt++) {
    const before = await getCi(id);
    if (before === undefined) throw notFound(`CI ${id}`);
    if (options.expectedVersion !== undefined && options.expectedVersion !== before.version) throw preconditionFailed(etagOf(before.version));
    const now = new Date();
    const { after, changes } = applyCiPatch(before, patch, { source, now: now.toISOString() });
    if (changes.length === 0) return before;
    const classOrAttributesChanged = changes.some((change) => change.field === 'class' || change.field === 'attributes');
    if (after.class === SERVICE_CLASS) throw serviceClassRefused();
    if (source === 'manual' && classOrAttributesChanged) await checkAgainstClass(after);
    const entries = updateEntries(before, after, changes, { ...options, source });
    try {
      await transactWrite(entries);
      return after;
    } catch (error) {
      if (!(error instanceof TransactionRefused && error.has(CI_ITEM))) throw refusalOf(error, after);
      const current = error.item(CI_ITEM);
      if (current === undefined) throw notFound(`CI ${id}`);
      const movedOn = Number(current.version) !== before.version;
      if (!movedOn && options.condition !== undefined) throw new CiConditionFailed(before);
      if (options.expectedVersion !== undefined) throw preconditionFailed(etagOf(Number(current.version)));
      if (attempt >= UPDATE_ATTEMPTS) throw error;
    }
  }
}

function updateEntries(before: Ci, after: Ci, changes: FieldDiff[], options: CiUpdateOptions & { source: CiSource }): TransactionEntry[] {
  const now = new Date(after.updatedAt);
  const record = ciOutboxRecord({ eventId: newId(), type: ciEventType(before, after), ci: after, actor: options.actor, occurredAt: after.updatedAt, changes });
  return [
    named(CI_ITEM, ciReplacePut(after, before.version, options.condition)),
    ...guardEntries(before, after, after.id),
    ciHistoryPut(after.id, { at: after.updatedAt, actor: options.actor, action: 'updated', version: after.version, changes }),
    ciOutboxPut(record, now),
    ...classCountEntries(before, after),
    ...ownerGroupEntries(before, after, options.source),
    ...(options.checks ?? []),
  ];
}

/** Retires a CI (status `retired`, event CI Retired): it stays, with its relationships and history. Retired already: nothing written. */
export function retireCi(id: string, options: CiWriteOptions & Pick<CiUpdateOptions, 'expectedVersion' | 'condition'>): Promise<Ci> {
  return updateCi(id, { status: 'retired' }, options);
}

const DELETE_ATTEMPTS = 3;

/** 409 `delete-contended`: relationships of the CI kept changing while its deletion read them. */
const deleteContended = (id: string): HttpError =>
  new HttpError(
    409,
    'delete-contended',
    'Delete contended',
    `CI ${id} was not deleted: ${DELETE_ATTEMPTS} times, its relationships changed while the deletion ran; nothing was changed, send the same request again`,
    {},
    { 'retry-after': '1' },
  );

/**
 * Deletes a CI, its guard items and every relationship naming it (at either end) in one
 * transaction, with its history record, a `relationship_removed` record at each other end and the
 * CI Deleted event: at most MAX_RELATIONSHIPS_DELETED_WITH_CI relationships, else 409
 * `too-many-relationships` (remove some, or retire the CI instead). The transaction holds the CI's
 * relationship count at the number it deletes (relationships.ts relationshipsDeletedWithCi), so a
 * relationship added meanwhile, or not yet shown by the target index, makes it read again (then
 * 409 `delete-contended`) instead of outliving the CI. Round trips: the CI and its relationships
 * read together, then the other ends' records (only when there are relationships), then the
 * transaction: 2, or 3 with relationships.
 * Its history stays in its partition. Answers the CI as it was.
 */
export async function deleteCi(id: string, options: { actor: string; expectedVersion?: number }): Promise<Ci> {
  if (isServiceWrite(id)) throw ciIsAService(id);
  for (let attempt = 1; ; attempt++) {
    const now = new Date();
    const [ci, relationships] = await Promise.all([
      getCi(id),
      relationshipsDeletedWithCi(id, MAX_RELATIONSHIPS_DELETED_WITH_CI, { actor: options.actor, now }),
    ]);
    if (ci === undefined) throw notFound(`CI ${id}`);
    if (options.expectedVersion !== undefined && options.expectedVersion !== ci.version) throw preconditionFailed(etagOf(ci.version));
    if (relationships.more) {
      throw conflict(
        'too-many-relationships',
        'Too many relationships to delete with the CI',
        `CI ${id} has more than ${MAX_RELATIONSHIPS_DELETED_WITH_CI} relationships, more than one deletion removes with it: remove some first, or retire the CI`,
        { limit: MAX_RELATIONSHIPS_DELETED_WITH_CI },
      );
    }
    const { removed } = relationships;
    const record = ciOutboxRecord({
      eventId: newId(),
      type: 'CI Deleted',
      ci,
      actor: options.actor,
      occurredAt: now.toISOString(),
      relationshipsRemoved: removed,
    });
    const entries: TransactionEntry[] = [
      named(CI_ITEM, ciDeleteAtVersion(id, ci.version)),
      ...guardEntries(ci, undefined, id),
      ...relationships.entries,
      ...feedItemDeletesOf(id),
      ciHistoryPut(id, {
        at: now.toISOString(),
        actor: options.actor,
        action: 'deleted',
        version: ci.version,
        changes: removed === 0 ? [] : [{ field: 'relationships', from: removed, to: 0 }],
      }),
      ciOutboxPut(record, now),
      ...classCountEntries(ci, undefined),
    ];
    try {
      await transactWrite(entries);
      return ci;
    } catch (error) {
      if (!(error instanceof TransactionRefused)) throw error;
      if (error.has(CI_ITEM)) {
        const current = error.item(CI_ITEM);
        if (current === undefined) throw notFound(`CI ${id}`);
        throw preconditionFailed(etagOf(Number(current.version)));
      }
      if (!isStaleRelationshipRead(error)) throw error;
      if (attempt >= DELETE_ATTEMPTS) throw deleteContended(id);
      // The target index lags the table by a moment: give it one before reading again.
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
