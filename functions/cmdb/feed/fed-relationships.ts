import { log } from '../../shared/log.ts';
import { batchGetAll } from '../../shared/store/batch-get.ts';
import { type NamedItem, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { classOfAwsResourceType, type FedRelationship } from '../domain/aws-feed.ts';
import type { Ci, CiSource } from '../domain/ci.ts';
import { canonicalRelationship, type RelationshipOrigin, relationshipSeenFrom, type StoredRelationship } from '../domain/relationship-types.ts';
import { relationshipWriteEntries } from '../relationships.ts';
import { getCis } from '../store/ci-store.ts';
import {
  CONFIG_ORDER_ITEM,
  cloudFormationOrderCheck,
  configOrderCheck,
  getReportedRelationships,
  putReportedRelationships,
} from '../store/feed-event-store.ts';
import { relationshipKey } from '../store/keys.ts';
import { RELATIONSHIP_ITEM } from '../store/relationship-store.ts';
import { ensureCi, FedCiConflict } from './fed-cis.ts';

/*
 * Relationships the AWS feed keeps: what AWS Config reports for a resource (origin aws-config) and
 * the stack that owns a resource (origin cloudformation). Each is added and removed through
 * relationships.ts's entries (the relationship, its history at both ends, its event), one
 * transaction each; a relationship someone added by hand (origin manual) is never removed here.
 *
 * In capture order: every transaction that writes what an AWS Config item reported (a
 * relationship added or removed, the record of what it reported) holds only while the CI still
 * reflects that item's capture (store/feed-event-store.ts configOrderCheck). When a later item's
 * CI write commits first, the earlier item stops at its next transaction (outcome `stale`), so it
 * never adds or removes anything after the later one: the relationships are the later item's.
 * Before adding, the record of what the CI reported is widened to include what is about to be
 * added, so that a relationship added by an item that stops there is still one the next item
 * removes if it does not report it. A CloudFormation event's stack membership is likewise written
 * only while the event is still the last one claimed for the resource's CI.
 */

/** A later capture (or CloudFormation event) of the resource was applied meanwhile: this one stops, writing nothing more. */
class LaterCaptureApplied extends Error {
  constructor() {
    super('a later event of the resource was applied');
    this.name = 'LaterCaptureApplied';
  }
}

type FeedWriteOptions = { actor: string; origin: RelationshipOrigin; captureTime?: string; checks?: readonly NamedItem[] };

/** One of `checks` did not hold: a later event of the resource overtook this one. */
const overtaken = (error: TransactionRefused, checks: readonly NamedItem[] | undefined): boolean => checks?.some((check) => error.has(check.name)) === true;

const keyOf = (stored: StoredRelationship): string => `${stored.source}|${stored.type}|${stored.target}`;

/** What a reconciliation did, for the event's record and the log. */
export interface RelationshipChanges {
  added: number;
  removed: number;
  /** Relationships that could not be added (an end retired, or its target claimed by two CIs), as `source type target`. */
  skipped: string[];
  /** A later capture of the resource was applied meanwhile: the reconciliation stopped there. */
  stale: boolean;
}

/** The stored relationship items among `wanted`, read strongly consistent in one BatchGet round. */
async function storedAmong(wanted: readonly StoredRelationship[]): Promise<Map<string, { origin: RelationshipOrigin }>> {
  const found = new Map<string, { origin: RelationshipOrigin }>();
  if (wanted.length === 0) return found;
  const items = await batchGetAll(
    wanted.map((r) => relationshipKey(r.source, r.type, r.target)),
    { consistentRead: true },
  );
  items.forEach((item, i) => {
    const relationship = wanted[i];
    if (item !== undefined && relationship !== undefined) found.set(keyOf(relationship), { origin: item.origin as RelationshipOrigin });
  });
  return found;
}

/**
 * Adds "`ci` <type> `other`" unless it is stored (under any origin: a manual one stays manual).
 * False when an end is retired (a retired CI takes no new relationship) and so it was not added.
 * `captureTime`: an AWS Config item's; the addition holds only while the CI reflects that capture
 * (LaterCaptureApplied when it does not).
 */
async function add(ci: Ci, relationship: { type: FedRelationship['type']; other: Ci }, options: FeedWriteOptions): Promise<boolean> {
  if (ci.status === 'retired' || relationship.other.status === 'retired') return false;
  const { captureTime, checks = [] } = options;
  const ends = { from: ci, type: relationship.type, to: relationship.other };
  const entries =
    captureTime === undefined
      ? [...checks, ...relationshipWriteEntries('add', ends, options)]
      : // The capture-time check is on the CI's item, which the existence check would touch twice: it checks both.
        [
          configOrderCheck(ci.id, captureTime, { active: true }),
          ...checks,
          ...relationshipWriteEntries('add', ends, { ...options, writtenInSameTransaction: [ci.id] }),
        ];
  try {
    await transactWrite(entries);
    return true;
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    if (overtaken(error, checks)) throw new LaterCaptureApplied();
    if (error.has(CONFIG_ORDER_ITEM)) {
      const now = error.item(CONFIG_ORDER_ITEM);
      // Still at this capture, so it was refused for being retired.
      if ((now?.aws as { captureTime?: string } | undefined)?.captureTime === captureTime) return false;
      throw new LaterCaptureApplied();
    }
    // Stored meanwhile (another event of the same pair): it is there, which is what was wanted.
    if (error.has(RELATIONSHIP_ITEM)) return true;
    // An end was retired between the read and the write.
    return false;
  }
}

/** Removes a stored relationship of `ci` (either end); gone already is as good. `captureTime`: as for add. */
async function remove(ci: Ci, stored: StoredRelationship, other: Ci | string, options: FeedWriteOptions): Promise<void> {
  const seen = relationshipSeenFrom(ci.id, stored);
  const checks = [...(options.captureTime === undefined ? [] : [configOrderCheck(ci.id, options.captureTime)]), ...(options.checks ?? [])];
  try {
    await transactWrite([...checks, ...relationshipWriteEntries('remove', { from: ci, type: seen.type, to: other }, options)]);
  } catch (error) {
    if (error instanceof TransactionRefused && (error.has(CONFIG_ORDER_ITEM) || overtaken(error, checks))) throw new LaterCaptureApplied();
    if (!(error instanceof TransactionRefused && error.has(RELATIONSHIP_ITEM))) throw error;
  }
}

/**
 * Makes `ci`'s AWS Config relationships what its item captured at `captureTime` reports: the
 * targets the CMDB does not know get a placeholder CI; relationships reported and not stored are
 * added; those this CI reported last time and no longer does are removed if they are still of
 * origin aws-config. What other resources report about this one is theirs to keep or remove.
 */
export async function reconcileConfigRelationships(
  ci: Ci,
  reported: readonly FedRelationship[],
  captureTime: string,
  options: { actor: string; source: CiSource },
): Promise<RelationshipChanges> {
  const changes: RelationshipChanges = { added: 0, removed: 0, skipped: [], stale: false };
  const targets = await Promise.all(
    reported.map(async (relationship) => {
      try {
        const { ci: target } = await ensureCi(
          relationship.target,
          { class: classOfAwsResourceType(relationship.target.resourceType), name: relationship.target.resourceName ?? relationship.target.resourceId },
          options,
        );
        return target;
      } catch (error) {
        // Two CIs claim the target: which one is meant is for a person to say (fed-cis.ts FedCiConflict).
        if (!(error instanceof FedCiConflict)) throw error;
        changes.skipped.push(`${ci.id} ${relationship.type} ${relationship.target.resourceType} ${relationship.target.resourceId}: ${error.message}`);
        return undefined;
      }
    }),
  );
  const desired = reported.flatMap((relationship, i) => {
    const other = targets[i];
    if (other === undefined || other.id === ci.id) return [];
    return [{ type: relationship.type, other, stored: canonicalRelationship(ci.id, relationship.type, other.id) }];
  });
  const desiredKeys = new Set(desired.map((d) => keyOf(d.stored)));
  const lastReported = await getReportedRelationships(ci.id);
  const previous = lastReported.filter((stored) => !desiredKeys.has(keyOf(stored)));
  const stored = await storedAmong([...desired.map((d) => d.stored), ...previous]);
  const relationshipOptions = { actor: options.actor, origin: 'aws-config' as const, captureTime };

  try {
    const additions = desired.filter((wanted) => !stored.has(keyOf(wanted.stored)));
    const recorded = new Set(lastReported.map(keyOf));
    const unrecorded = additions.filter((wanted) => !recorded.has(keyOf(wanted.stored)));
    // What is about to be added is recorded first (with what was recorded), so that if this item
    // stops after adding some, the next item still removes the ones it does not report.
    if (unrecorded.length > 0 && !(await putReportedRelationships(ci.id, [...lastReported, ...unrecorded.map((d) => d.stored)], captureTime))) {
      throw new LaterCaptureApplied();
    }
    for (const wanted of additions) {
      if (await add(ci, wanted, relationshipOptions)) changes.added++;
      else changes.skipped.push(`${wanted.stored.source} ${wanted.stored.type} ${wanted.stored.target}`);
    }
    const removals = previous.filter((relationship) => stored.get(keyOf(relationship))?.origin === 'aws-config');
    if (removals.length > 0) {
      const others = await getCis(removals.map((relationship) => relationshipSeenFrom(ci.id, relationship).other));
      for (const relationship of removals) {
        const otherId = relationshipSeenFrom(ci.id, relationship).other;
        await remove(ci, relationship, others.get(otherId) ?? otherId, relationshipOptions);
        changes.removed++;
      }
    }
    if (
      !(await putReportedRelationships(
        ci.id,
        desired.map((d) => d.stored),
        captureTime,
      ))
    ) {
      throw new LaterCaptureApplied();
    }
  } catch (error) {
    if (!(error instanceof LaterCaptureApplied)) throw error;
    changes.stale = true;
  }
  if (changes.skipped.length > 0) log.info('AWS Config relationships not added', { ciId: ci.id, skipped: changes.skipped });
  return changes;
}

/**
 * "stack contains resource" (origin cloudformation), unless stored. `time`: the CloudFormation
 * event's; the addition holds only while it is the last one claimed for the resource's CI
 * (`stale` otherwise, nothing written).
 */
export async function addStackMembership(stack: Ci, resource: Ci, options: { actor: string; time?: string }): Promise<'added' | 'unchanged' | 'stale'> {
  const stored = canonicalRelationship(stack.id, 'contains', resource.id);
  if ((await storedAmong([stored])).has(keyOf(stored))) return 'unchanged';
  try {
    const added = await add(
      stack,
      { type: 'contains', other: resource },
      { actor: options.actor, origin: 'cloudformation', checks: stackOrderChecks(resource, options.time) },
    );
    return added ? 'added' : 'unchanged';
  } catch (error) {
    if (error instanceof LaterCaptureApplied) return 'stale';
    throw error;
  }
}

/** Removes "stack contains resource" if CloudFormation made it. `time`: as for addStackMembership. */
export async function removeStackMembership(stack: Ci, resource: Ci, options: { actor: string; time?: string }): Promise<'removed' | 'unchanged' | 'stale'> {
  const stored = canonicalRelationship(stack.id, 'contains', resource.id);
  if ((await storedAmong([stored])).get(keyOf(stored))?.origin !== 'cloudformation') return 'unchanged';
  try {
    await remove(stack, stored, resource, { actor: options.actor, origin: 'cloudformation', checks: stackOrderChecks(resource, options.time) });
    return 'removed';
  } catch (error) {
    if (error instanceof LaterCaptureApplied) return 'stale';
    throw error;
  }
}

/** The CloudFormation order check of an event on `resource`'s CI (none for an event without a time, which claims no place). */
export const stackOrderChecks = (resource: Ci, time: string | undefined): NamedItem[] =>
  time === undefined ? [] : [cloudFormationOrderCheck(resource.id, time)];
