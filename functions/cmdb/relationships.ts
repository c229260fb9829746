import { conflict, fieldError, type HttpError, notFound, validationFailed } from '../shared/errors.ts';
import { newId } from '../shared/store/audit.ts';
import type { Page } from '../shared/store/pagination.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../shared/store/transaction.ts';
import { type Ci, isOwnCiId } from './domain/ci.ts';
import { ciOutboxRecord } from './domain/events.ts';
import {
  canonicalRelationship,
  type RelationshipOrigin,
  type RelationshipType,
  relationshipSeenFrom,
  type StoredRelationship,
} from './domain/relationship-types.ts';
import { ciHistoryPut, ciOutboxPut, getCis } from './store/ci-store.ts';
import {
  allRelationshipsOf,
  ciCheckName,
  ciExistsCheck,
  DELETED_RELATIONSHIP_ITEM,
  deletedRelationshipDelete,
  RELATIONSHIP_COUNT_ITEM,
  RELATIONSHIP_ITEM,
  type Relationship,
  relationshipCountDelete,
  relationshipCountMove,
  relationshipDelete,
  relationshipPage,
  relationshipPut,
  relationshipsDeletedWith,
} from './store/relationship-store.ts';

/*
 * The one way relationships between CIs are added and removed: the API (handlers/ci-relationships.ts)
 * and the AWS feed, which adds relationshipWriteEntries to its own transactions. A relationship is
 * stored once, under its canonical type (domain/relationship-types.ts), and reads from both ends.
 * Adding one is ONE transaction: the relationship (refused if stored already), a check that both
 * CIs exist and are not retired (a service: its directory record, not being deleted), a history
 * record in each CI's partition and one outbox record (CI Relationship Added) in the partition of
 * the CI it was added from. Removing one mirrors it. Both also move the relationship count of each
 * own CI at an end (store/relationship-store.ts), which a CI's deletion holds: see
 * relationshipsDeletedWithCi.
 */

/** "`from` <type> `to`", in any of the seven names: `to used_by from` is the same relationship as `from depends_on to`. */
export interface RelationshipRequest {
  from: string;
  type: RelationshipType;
  to: string;
}

/** A relationship as one of its CIs sees it: its type from that end and the CI at the other end. */
export interface SeenRelationship {
  type: RelationshipType;
  target: string;
  origin: RelationshipOrigin;
  createdAt: string;
  createdBy: string;
}

export function relationshipSeenBy(ci: string, relationship: Relationship): SeenRelationship {
  const seen = relationshipSeenFrom(ci, relationship);
  return { type: seen.type, target: seen.other, origin: relationship.origin, createdAt: relationship.createdAt, createdBy: relationship.createdBy };
}

const describe = (stored: StoredRelationship): string => `${stored.source} ${stored.type} ${stored.target}`;

/** 409 `relationship-exists`: it is stored already, under whichever of its names it was added. */
export const relationshipExists = (stored: StoredRelationship): HttpError =>
  conflict('relationship-exists', 'Relationship exists', `The relationship ${describe(stored)} exists already: a relationship is stored once`, {
    relationship: { source: stored.source, type: stored.type, target: stored.target },
  });

/** 409 `ci-retired`: a retired CI keeps its relationships, but takes no new ones. */
export const ciRetired = (id: string): HttpError =>
  conflict('ci-retired', 'CI retired', `CI ${id} is retired: it keeps the relationships it had, but no new one can be added to it`, { ci: id });

const selfRelationship = (): HttpError => validationFailed([fieldError('body', ['target'], 'A CI cannot be related to itself')]);
const noTarget = (id: string): HttpError => validationFailed([fieldError('body', ['target'], `There is no CI ${id}`)]);

export interface RelationshipWriteOptions {
  actor: string;
  /** Who made it: `manual` through the API, else the AWS feed that reported it. */
  origin: RelationshipOrigin;
  now?: Date;
  /**
   * CIs this transaction writes itself (the feed creating or updating a CI and its relationships
   * at once): their own items carry their conditions, and one transaction cannot touch an item
   * twice, so they are not checked again here.
   */
  writtenInSameTransaction?: readonly string[];
}

/**
 * The entries that add or remove "`from` <type> `to`" (both CIs as read): the relationship item
 * under RELATIONSHIP_ITEM, the existence checks of the CIs under ciCheckName(id) (add only), a
 * history record in each CI's partition, the relationship count of each own CI at an end, and one
 * outbox record in `from`'s partition. For a
 * transaction of the caller's own (the AWS feed) or relationships.ts's. `to` given by its id
 * alone: its record is gone, so a removal is recorded at `from` only (an addition needs both).
 */
export function relationshipWriteEntries(
  action: 'add' | 'remove',
  ends: { from: Ci; type: RelationshipType; to: Ci | string },
  options: RelationshipWriteOptions,
): TransactionEntry[] {
  const { from } = ends;
  const to = typeof ends.to === 'string' ? undefined : ends.to;
  const toId = typeof ends.to === 'string' ? ends.to : ends.to.id;
  if (from.id === toId) throw selfRelationship();
  if (action === 'add' && to === undefined) throw new Error(`Relating ${from.id} to ${toId} needs both CIs as read`);
  const now = options.now ?? new Date();
  const at = now.toISOString();
  const stored = canonicalRelationship(from.id, ends.type, toId);
  const relationship: Relationship = { ...stored, origin: options.origin, createdAt: at, createdBy: options.actor };
  const skip = new Set(options.writtenInSameTransaction ?? []);
  const entries: TransactionEntry[] = [action === 'add' ? relationshipPut(relationship) : relationshipDelete(stored)];
  if (action === 'add') for (const id of [from.id, toId]) if (!skip.has(id)) entries.push(ciExistsCheck(id));
  // The count of each own CI at an end (a CI whose record is gone has none left to move).
  for (const ci of [from, to]) if (ci !== undefined && isOwnCiId(ci.id)) entries.push(relationshipCountMove(ci.id, action === 'add' ? 1 : -1));
  const history = (ci: Ci, other: string) => {
    const seen = { type: relationshipSeenFrom(ci.id, stored).type, target: other };
    return ciHistoryPut(ci.id, {
      at,
      actor: options.actor,
      action: action === 'add' ? 'relationship_added' : 'relationship_removed',
      version: ci.version,
      changes: [{ field: 'relationships', from: action === 'add' ? null : seen, to: action === 'add' ? { ...seen, origin: options.origin } : null }],
    });
  };
  entries.push(history(from, toId));
  if (to !== undefined) entries.push(history(to, from.id));
  const eventId = newId();
  const record = ciOutboxRecord({
    eventId,
    type: action === 'add' ? 'CI Relationship Added' : 'CI Relationship Removed',
    ci: from,
    actor: options.actor,
    occurredAt: at,
    relationship: { type: ends.type, target: toId, origin: options.origin },
    ...(to === undefined ? {} : { relatedCi: to }),
  });
  entries.push(ciOutboxPut(record, now));
  return entries;
}

/** What a refused check of one end means: gone (404 for the CI asked about, 400 for the target) or retired (409). */
function endRefusal(error: TransactionRefused, request: RelationshipRequest): HttpError | undefined {
  for (const [id, gone] of [
    [request.from, notFound(`CI ${request.from}`)],
    [request.to, noTarget(request.to)],
  ] as const) {
    if (!error.has(ciCheckName(id))) continue;
    return error.item(ciCheckName(id))?.status === 'retired' ? ciRetired(id) : gone;
  }
  return undefined;
}

/** Both CIs, read together (one BatchGet): 404 when the CI asked about is missing. */
async function readEnds(request: RelationshipRequest): Promise<{ from: Ci; to: Ci | undefined }> {
  const cis = await getCis([request.from, request.to]);
  const from = cis.get(request.from);
  if (from === undefined) throw notFound(`CI ${request.from}`);
  return { from, to: cis.get(request.to) };
}

/** An addition ready to commit: its entries, what it answers, and what a refusal of its transaction means. */
export interface RelationshipAddition {
  entries: TransactionEntry[];
  /** The relationship as the CI it was added from sees it. */
  relationship: SeenRelationship;
  /** 409 relationship-exists, 404/400 for an end gone meanwhile, 409 ci-retired; else the refusal itself. */
  refusal(error: TransactionRefused): HttpError | TransactionRefused;
}

/**
 * Reads both CIs (one BatchGet) and builds the addition of "`from` <type> `to`": 400 to itself or
 * to no CI, 404 from no CI, 409 `ci-retired` when either is retired. The handler commits it with
 * its Idempotency-Key record; addRelationship commits it as it is.
 */
export async function prepareRelationshipAddition(
  request: RelationshipRequest,
  options: { actor: string; origin: RelationshipOrigin; now?: Date },
): Promise<RelationshipAddition> {
  if (request.from === request.to) throw selfRelationship();
  const { from, to } = await readEnds(request);
  if (to === undefined) throw noTarget(request.to);
  for (const ci of [from, to]) if (ci.status === 'retired') throw ciRetired(ci.id);
  const now = options.now ?? new Date();
  const stored = canonicalRelationship(from.id, request.type, to.id);
  return {
    entries: relationshipWriteEntries('add', { from, type: request.type, to }, { ...options, now }),
    relationship: relationshipSeenBy(from.id, { ...stored, origin: options.origin, createdAt: now.toISOString(), createdBy: options.actor }),
    refusal: (error) => (error.has(RELATIONSHIP_ITEM) ? relationshipExists(stored) : (endRefusal(error, request) ?? error)),
  };
}

/**
 * Adds "`from` <type> `to`" (prepareRelationshipAddition), and 409 `relationship-exists` when it
 * is stored already, in any of its names. Two round trips: both CIs read together, then the
 * transaction.
 */
export async function addRelationship(
  request: RelationshipRequest,
  options: { actor: string; origin: RelationshipOrigin; now?: Date },
): Promise<SeenRelationship> {
  const addition = await prepareRelationshipAddition(request, options);
  try {
    await transactWrite(addition.entries);
  } catch (error) {
    throw error instanceof TransactionRefused ? addition.refusal(error) : error;
  }
  return addition.relationship;
}

/**
 * Removes "`from` <type> `to`", whichever CI added it and whichever of its names it was added
 * under: 404 from no CI, or when there is no such relationship. Retired CIs' relationships too.
 */
export async function removeRelationship(request: RelationshipRequest, options: { actor: string; now?: Date }): Promise<void> {
  const missing = () => notFound(`The relationship ${request.from} ${request.type} ${request.to}`);
  if (request.from === request.to) throw missing();
  const { from, to } = await readEnds(request);
  // The other end's record gone (it should not be: a CI's delete takes its relationships): the removal is recorded at `from` only.
  const entries = relationshipWriteEntries('remove', { from, type: request.type, to: to ?? request.to }, { ...options, origin: 'manual' });
  try {
    await transactWrite(entries);
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(RELATIONSHIP_ITEM)) throw missing();
    throw error;
  }
}

/**
 * One page of the relationships of `id`, as `id` sees them: those it names (by type, then the other
 * CI), then those naming it (by their stored type, then the other CI). One round trip.
 */
export async function relationshipPageOf(id: string, limit: number, cursor: string | undefined): Promise<Page<SeenRelationship>> {
  const page = await relationshipPage(id, limit, cursor);
  return {
    items: page.items.map((relationship) => relationshipSeenBy(id, relationship)),
    ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
  };
}

/** Every relationship of `id`, from both ends (two Queries in flight together), as `id` sees them: by type, then the other CI. */
export async function relationshipsOf(id: string): Promise<SeenRelationship[]> {
  const all = await allRelationshipsOf(id);
  return all
    .map((relationship) => relationshipSeenBy(id, relationship))
    .sort((a, b) => (a.type === b.type ? (a.target < b.target ? -1 : a.target > b.target ? 1 : 0) : a.type < b.type ? -1 : 1));
}

/**
 * The relationships a CI's deletion removes with it, as the entries of its transaction, or too
 * many. Read with relationshipsDeletedWith (its partition strongly consistent, the target index as
 * it is) and the other ends' records (one BatchGet, none when it has no relationship): each
 * relationship deleted on condition it is still there, a `relationship_removed` history record at
 * the other end (the deleted CI's own `deleted` record counts them; no CI Relationship Removed
 * event: CI Deleted's `relationshipsRemoved` stands for them), the other own ends' counts moved,
 * and the deleted CI's count removed held at the number deleted. So a relationship added meanwhile,
 * or not yet in the index, refuses the deletion (isStaleRelationshipRead: read again) and none
 * outlives the CI. Entries: 1 + up to 3 per relationship.
 */
export async function relationshipsDeletedWithCi(
  id: string,
  max: number,
  options: { actor: string; now: Date },
): Promise<{ more: true } | { more: false; removed: number; entries: TransactionEntry[] }> {
  const read = await relationshipsDeletedWith(id, max);
  if (read.more) return { more: true };
  const at = options.now.toISOString();
  const seen = read.relationships.map((relationship) => ({ relationship, other: relationshipSeenFrom(id, relationship).other }));
  const others = seen.length === 0 ? new Map<string, Ci>() : await getCis(seen.map((entry) => entry.other));
  const entries: TransactionEntry[] = [relationshipCountDelete(id, seen.length)];
  const removedFrom = new Map<string, number>();
  seen.forEach(({ relationship, other }, n) => {
    entries.push(deletedRelationshipDelete(relationship, n));
    removedFrom.set(other, (removedFrom.get(other) ?? 0) + 1);
    const otherCi = others.get(other);
    if (otherCi === undefined) return;
    entries.push(
      ciHistoryPut(other, {
        at,
        actor: options.actor,
        action: 'relationship_removed',
        version: otherCi.version,
        changes: [{ field: 'relationships', from: { type: relationshipSeenFrom(other, relationship).type, target: id, ciDeleted: true }, to: null }],
      }),
    );
  });
  for (const [other, count] of removedFrom) if (isOwnCiId(other) && others.has(other)) entries.push(relationshipCountMove(other, -count));
  return { more: false, removed: seen.length, entries };
}

/** The deletion's relationships moved between their read and its transaction: one was added, or the index showed a removed one. */
export const isStaleRelationshipRead = (error: TransactionRefused): boolean =>
  error.has(RELATIONSHIP_COUNT_ITEM) || error.refused.some((name) => name.startsWith(DELETED_RELATIONSHIP_ITEM));
