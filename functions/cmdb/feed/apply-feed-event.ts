import { log } from '../../shared/log.ts';
import {
  AWS_CONFIG_ACTOR,
  CLOUDFORMATION_ACTOR,
  type FedStack,
  type FeedEnvelope,
  type FeedEvent,
  GENERIC_CLASS,
  readFeedEvent,
  resourceKeyOf,
  type TagMapping,
} from '../domain/aws-feed.ts';
import type { Ci, CiPatch } from '../domain/ci.ts';
import { loadCmdbConfig } from '../store/ci-class-store.ts';
import { claimCloudFormationOrder, countDuplicateDelivery, type FeedOutcome, recordFeedEvent, settleFeedEvent } from '../store/feed-event-store.ts';
import { applyCiState, ensureCi, FedCiConflict, findFedCi, stackPatch, updateFedCi } from './fed-cis.ts';
import { addStackMembership, reconcileConfigRelationships, removeStackMembership, stackOrderChecks } from './fed-relationships.ts';

/*
 * Applies one AWS Config or CloudFormation event to the CMDB (handlers/apply-aws-feed.ts hands
 * each message of its queue here). The event is RECORDED first (its id is the key: a redelivery of
 * an event already settled is counted and not applied again), then applied, then its outcome is
 * written on the record.
 *
 * In order per resource: a CI keeps the capture time of the configuration item it reflects
 * (aws.captureTime), and its write is conditioned on it, so an item older than the one applied is
 * recorded (`stale`) but changes nothing, whatever order the queue delivers them in. Its
 * relationships are written only while the CI still reflects its capture (fed-relationships.ts),
 * so an item overtaken half-way by a later one stops (`stale`) and leaves the later one's. Every
 * update is built from the CI as it is when it commits (fed-cis.ts updateFedCi), so CloudFormation
 * and AWS Config never write back what the other changed. CloudFormation's events, which carry no
 * capture time, are ordered per CI by their event time (the last one applied is kept beside the CI).
 * An event whose resource two CIs claim (its identity one, its ARN another) is recorded `ignored`
 * with the reason, not thrown: retrying cannot resolve it (fed-cis.ts FedCiConflict).
 *
 * Why a queue and not the table's stream, as alerts are applied: the events reach the product on
 * the ingestion bus, and recording them to apply them from the stream would add a fifth Lambda
 * reader to a stream that already has four, where AWS advises at most two (each reader shares the
 * shard's read throughput and adds latency). The record-then-apply steps here give the same
 * guarantees: at least once from the queue, once in effect by the record and the capture-time
 * condition.
 */

export interface FeedEventResult {
  readonly eventId: string;
  /** `duplicate`: a redelivery of an event settled before; nothing applied. */
  readonly outcome: FeedOutcome | 'duplicate';
  readonly reason?: string;
  readonly ciId?: string;
  readonly resourceKey?: string;
}

const resourceKeyOfEvent = (event: FeedEvent): string =>
  event.kind === 'config-item'
    ? resourceKeyOf(event.state.resource)
    : event.kind === 'cloudformation-resource'
      ? resourceKeyOf(event.resource)
      : resourceKeyOf(event.stack.resource);

/**
 * Where an event stands in its resource's order: the resource it is about and when (AWS Config's
 * capture time; CloudFormation's event time). The handler applies one batch's events of one
 * resource one after the other in this order, and different resources side by side.
 */
export function feedOrderOf(envelope: FeedEnvelope, tagMapping: TagMapping): { key: string; at: string } {
  const read = readFeedEvent(envelope, tagMapping);
  if (!read.ok) return { key: `event:${envelope.id}`, at: envelope.time ?? '' };
  const at = read.event.kind === 'config-item' ? read.event.state.captureTime : (envelope.time ?? '');
  return { key: resourceKeyOfEvent(read.event), at };
}

/**
 * CloudFormation's order per resource: its events carry no capture time, so the event's own time
 * is compared with the last one applied to the CI (store/feed-event-store.ts). An event without
 * a time is applied. Each write of the event then holds only while its place is still the last
 * one claimed (stackOrderChecks): an event overtaken after it claimed stops, `stale`.
 */
const inCloudFormationOrder = (ci: Ci, time: string | undefined): Promise<boolean> =>
  time === undefined ? Promise.resolve(true) : claimCloudFormationOrder(ci.id, time);
const timeOf = (event: { time?: string }): { time?: string } => (event.time === undefined ? {} : { time: event.time });
const staleInStack = (ci: Ci): Omit<FeedEventResult, 'eventId'> => ({
  outcome: 'stale',
  ciId: ci.id,
  reason: 'a later CloudFormation event was applied to this CI already',
});

/** The stack's CI (class generic, named after the stack, its ARN as external id). */
function ensureStackCi(stack: FedStack): Promise<{ ci: Ci; created: boolean }> {
  return ensureCi(
    stack.resource,
    { class: GENERIC_CLASS, name: stack.name, externalId: stack.externalId },
    { actor: CLOUDFORMATION_ACTOR, source: 'cloudformation' },
  );
}

async function applyConfigItem(event: Extract<FeedEvent, { kind: 'config-item' }>): Promise<Omit<FeedEventResult, 'eventId'>> {
  const { state } = event;
  const options = { actor: AWS_CONFIG_ACTOR, source: 'aws-config' as const };
  const written = await applyCiState(state, options);
  if (written.outcome === 'stale') {
    return {
      outcome: 'stale',
      ciId: written.ci.id,
      reason: `the CI reflects a capture at ${written.ci.aws?.captureTime ?? '?'}, after this one (${state.captureTime})`,
    };
  }
  // An oversized notification carries no relationships: they stay as the last full item left them.
  if (state.relationships !== undefined) {
    const changes = await reconcileConfigRelationships(written.ci, state.relationships, state.captureTime, options);
    if (changes.stale) {
      return {
        outcome: 'stale',
        ciId: written.ci.id,
        reason: `a later capture of the resource was applied while this one's relationships were written (${state.captureTime}): they are the later one's`,
      };
    }
  }
  return { outcome: 'applied', ciId: written.ci.id };
}

/**
 * A resource's place in its stack: "stack contains resource" (origin cloudformation) and the CI's
 * aws.stackId. A resource CloudFormation creates before AWS Config reports it gets a placeholder
 * CI (source cloudformation) that Config's item fills in. A deleted resource leaves its stack; its
 * CI is retired (or brought back) here only if AWS Config never reported it (no capture time):
 * AWS Config retires the ones it records, in its own capture order. Noting the stack on a CI keeps
 * the CI's `source` (who keeps its fields right), and changes only aws.stackId of its `aws`, as
 * the CI is when the write commits (fed-cis.ts updateFedCi).
 */
async function applyStackResource(event: Extract<FeedEvent, { kind: 'cloudformation-resource' }>): Promise<Omit<FeedEventResult, 'eventId'>> {
  const options = { actor: CLOUDFORMATION_ACTOR, source: 'cloudformation' as const };
  const kept = { actor: CLOUDFORMATION_ACTOR, source: 'kept' as const };
  const stackId = event.stack.externalId;
  const arn = event.resource.resourceId.startsWith('arn:') ? event.resource.resourceId : undefined;
  if (event.membership === 'present') {
    const [stack, resource] = await Promise.all([
      ensureStackCi(event.stack),
      ensureCi(event.resource, { class: event.class, name: event.resource.resourceId, ...(arn === undefined ? {} : { externalId: arn }), stackId }, options),
    ]);
    if (!(await inCloudFormationOrder(resource.ci, event.time))) return staleInStack(resource.ci);
    const noted = await updateFedCi(
      resource.ci,
      (current): CiPatch => ({
        ...stackPatch(current, stackId),
        ...(current.status === 'retired' && current.aws?.captureTime === undefined ? { status: 'active' } : {}),
      }),
      { ...kept, checks: stackOrderChecks(resource.ci, event.time) },
    );
    if (noted.outcome === 'stale' || (await addStackMembership(stack.ci, noted.ci, { ...options, ...timeOf(event) })) === 'stale')
      return staleInStack(noted.ci);
    return { outcome: 'applied', ciId: noted.ci.id };
  }
  const [stackCi, ci] = await Promise.all([findFedCi(event.stack.resource, event.stack.externalId), findFedCi(event.resource, arn)]);
  if (ci === undefined) return { outcome: 'applied', reason: 'the CMDB has no CI for this resource' };
  if (!(await inCloudFormationOrder(ci, event.time))) return staleInStack(ci);
  if (stackCi !== undefined && (await removeStackMembership(stackCi, ci, { ...options, ...timeOf(event) })) === 'stale') return staleInStack(ci);
  const left = await updateFedCi(
    ci,
    (current): CiPatch => ({
      ...(current.aws?.stackId === stackId ? stackPatch(current, undefined) : {}),
      ...(event.membership === 'deleted' && current.aws?.captureTime === undefined ? { status: 'retired' } : {}),
    }),
    { ...kept, checks: stackOrderChecks(ci, event.time) },
  );
  return left.outcome === 'stale' ? staleInStack(ci) : { outcome: 'applied', ciId: ci.id };
}

async function applyStack(event: Extract<FeedEvent, { kind: 'cloudformation-stack' }>): Promise<Omit<FeedEventResult, 'eventId'>> {
  const options = { actor: CLOUDFORMATION_ACTOR, source: 'cloudformation' as const };
  if (!event.deleted) {
    const { ci } = await ensureStackCi(event.stack);
    if (!(await inCloudFormationOrder(ci, event.time))) return staleInStack(ci);
    const written = await updateFedCi(ci, (current): CiPatch => (current.status === 'retired' ? { status: 'active' } : {}), {
      ...options,
      checks: stackOrderChecks(ci, event.time),
    });
    return written.outcome === 'stale' ? staleInStack(ci) : { outcome: 'applied', ciId: ci.id };
  }
  const ci = await findFedCi(event.stack.resource, event.stack.externalId);
  if (ci === undefined) return { outcome: 'applied', reason: 'the CMDB has no CI for this stack' };
  if (!(await inCloudFormationOrder(ci, event.time))) return staleInStack(ci);
  // Retired, it keeps its relationships: what the stack held, as history shows it.
  const written = await updateFedCi(ci, (): CiPatch => ({ status: 'retired' }), { ...options, checks: stackOrderChecks(ci, event.time) });
  return written.outcome === 'stale' ? staleInStack(ci) : { outcome: 'applied', ciId: ci.id };
}

function apply(event: FeedEvent): Promise<Omit<FeedEventResult, 'eventId'>> {
  switch (event.kind) {
    case 'config-item':
      return applyConfigItem(event);
    case 'cloudformation-resource':
      return applyStackResource(event);
    case 'cloudformation-stack':
      return applyStack(event);
  }
}

/**
 * Records and applies one event; answers what became of it. Throws when it could not be applied
 * (the record says `failed` with the reason; the queue delivers it again and it is applied then).
 * `tagMapping`: the /cmdb-config tags, read once per batch by the handler; read here when absent.
 */
export async function applyFeedEvent(envelope: FeedEnvelope, context: { tagMapping?: TagMapping; receivedAt?: string } = {}): Promise<FeedEventResult> {
  const tagMapping = context.tagMapping ?? (await loadCmdbConfig());
  const read = readFeedEvent(envelope, tagMapping);
  const resourceKey = read.ok ? resourceKeyOfEvent(read.event) : undefined;
  const recorded = await recordFeedEvent({
    eventId: envelope.id,
    source: envelope.source,
    detailType: envelope['detail-type'],
    ...(envelope.time === undefined ? {} : { time: envelope.time }),
    receivedAt: context.receivedAt ?? new Date().toISOString(),
    ...(resourceKey === undefined ? {} : { resourceKey }),
    rawJson: JSON.stringify(envelope),
  });
  if (!recorded.fresh && recorded.settled) {
    await countDuplicateDelivery(envelope.id);
    return { eventId: envelope.id, outcome: 'duplicate', ...(recorded.record.ciId === undefined ? {} : { ciId: recorded.record.ciId }) };
  }
  if (!read.ok) {
    await settleFeedEvent(envelope.id, { outcome: 'ignored', reason: read.reason });
    return { eventId: envelope.id, outcome: 'ignored', reason: read.reason };
  }
  let result: Omit<FeedEventResult, 'eventId'>;
  try {
    result = await apply(read.event);
  } catch (error) {
    if (error instanceof FedCiConflict) {
      // Not for the queue to retry: it stays so until a person resolves it (fed-cis.ts).
      log.warn('AWS feed event ignored: two CIs claim the resource', { eventId: envelope.id, reason: error.message });
      await settleFeedEvent(envelope.id, { outcome: 'ignored', reason: error.message, ciId: error.holder });
      return { eventId: envelope.id, outcome: 'ignored', reason: error.message, ciId: error.holder, ...(resourceKey === undefined ? {} : { resourceKey }) };
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await settleFeedEvent(envelope.id, { outcome: 'failed', reason }).catch((settleError: unknown) =>
      log.warn('feed event outcome not recorded', { eventId: envelope.id, error: settleError }),
    );
    throw error;
  }
  await settleFeedEvent(envelope.id, {
    outcome: result.outcome as FeedOutcome,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.ciId === undefined ? {} : { ciId: result.ciId }),
  });
  return { eventId: envelope.id, ...result, ...(resourceKey === undefined ? {} : { resourceKey }) };
}
