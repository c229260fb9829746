import { HttpError } from '../../shared/errors.ts';
import type { Condition } from '../../shared/store/transaction.ts';
import { CiConditionFailed, createCi, updateCi } from '../ci-write.ts';
import type { AwsResourceRef, FedCiState } from '../domain/aws-feed.ts';
import { type AwsIdentity, type Ci, type CiPatch, type CiSource, isServiceCiId } from '../domain/ci.ts';
import { findCiByAwsResource, findCiByExternalId } from '../store/ci-store.ts';

/*
 * The AWS feed's CIs: found by the resource's identity (or its ARN), created when AWS names a
 * resource the CMDB does not know yet, updated in capture-time order. Every write goes through
 * ci-write.ts (the CI, its guard items, history and outbox in one transaction); the guard items
 * make two events racing to create one resource's CI create one, and the loser updates it.
 */

/** What a write did to the CI. `stale`: AWS Config captured something newer already. */
export type CiWriteOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

const RACE_ATTEMPTS = 3;

const isAlreadyExists = (error: unknown): boolean => error instanceof HttpError && error.status === 409 && error.slug === 'already-exists';

const identityOf = (ref: AwsResourceRef): AwsIdentity => ({
  accountId: ref.accountId,
  region: ref.region,
  resourceType: ref.resourceType,
  resourceId: ref.resourceId,
  ...(ref.resourceName === undefined ? {} : { resourceName: ref.resourceName }),
});

/** The CI of a resource: by its identity, else by its ARN (a CI someone created by hand with it). Both looked up at once. */
export async function findFedCi(resource: AwsResourceRef, externalId?: string): Promise<Ci | undefined> {
  const [byResource, byArn] = await Promise.all([
    findCiByAwsResource(resource.accountId, resource.region, resource.resourceType, resource.resourceId),
    externalId === undefined ? undefined : findCiByExternalId(externalId),
  ]);
  const found = byResource ?? byArn;
  // A service's CI is the directory's record: the feed never writes it.
  return found !== undefined && isServiceCiId(found.id) ? undefined : found;
}

/**
 * The order per resource, checked by the CI write itself: the CI reflects nothing AWS Config
 * captured after `captureTime`. A CI that only a placeholder or CloudFormation made has no capture
 * time, and any item is newer.
 */
const capturedNoLaterThan = (captureTime: string): Condition => ({
  expression: 'attribute_not_exists(#aws.#captureTime) OR #aws.#captureTime <= :captureTime',
  names: { '#aws': 'aws', '#captureTime': 'captureTime' },
  values: { ':captureTime': captureTime },
});

function patchOf(state: FedCiState, current: Ci): CiPatch {
  return {
    class: state.class,
    name: state.name,
    status: state.status,
    ...(state.attributes === undefined ? {} : { attributes: { ...state.attributes } }),
    ...(state.tags === undefined ? {} : { ownerGroup: state.tags.ownerGroup ?? null, environment: state.tags.environment ?? null }),
    ...(state.externalId === undefined ? {} : { externalId: state.externalId }),
    aws: {
      ...identityOf(state.resource),
      ...(state.resource.resourceName === undefined && current.aws?.resourceName !== undefined ? { resourceName: current.aws.resourceName } : {}),
      captureTime: state.captureTime,
      ...(current.aws?.stackId === undefined ? {} : { stackId: current.aws.stackId }),
    },
  };
}

/**
 * Makes the resource's CI what the configuration item says, unless the CI reflects a later
 * capture already (`stale`: nothing written). A resource the CMDB does not know is created, also
 * when the item says it was deleted (retired at once): an older item arriving after it is then
 * stale rather than bringing the resource back.
 */
export async function applyCiState(state: FedCiState, options: { actor: string; source: CiSource }): Promise<{ outcome: CiWriteOutcome; ci: Ci }> {
  for (let attempt = 1; ; attempt++) {
    const current = await findFedCi(state.resource, state.externalId);
    try {
      if (current === undefined) {
        const ci = await createCi(
          {
            class: state.class,
            name: state.name,
            ...(state.tags?.ownerGroup === undefined ? {} : { ownerGroup: state.tags.ownerGroup }),
            ...(state.tags?.environment === undefined ? {} : { environment: state.tags.environment }),
            status: state.status,
            attributes: { ...state.attributes },
            ...(state.externalId === undefined ? {} : { externalId: state.externalId }),
            aws: { ...identityOf(state.resource), captureTime: state.captureTime },
          },
          options,
        );
        return { outcome: 'created', ci };
      }
      const captured = current.aws?.captureTime;
      if (captured !== undefined && captured > state.captureTime) return { outcome: 'stale', ci: current };
      const ci = await updateCi(current.id, patchOf(state, current), { ...options, condition: capturedNoLaterThan(state.captureTime) });
      return { outcome: ci.version === current.version ? 'unchanged' : 'updated', ci };
    } catch (error) {
      if (error instanceof CiConditionFailed) return { outcome: 'stale', ci: error.ci };
      // Another event created the resource's CI between the look-up and the write: look again.
      if (!isAlreadyExists(error) || attempt >= RACE_ATTEMPTS) throw error;
    }
  }
}

/**
 * The CI of a resource AWS names before the CMDB knows it (a relationship's target, a stack's
 * resource): created minimal (class, name, identity; no capture time), so that the relationship
 * can be stored; the resource's own item fills it in later.
 */
export async function ensureCi(
  resource: AwsResourceRef,
  fields: { class: string; name: string; externalId?: string; stackId?: string },
  options: { actor: string; source: CiSource },
): Promise<{ ci: Ci; created: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const current = await findFedCi(resource, fields.externalId);
    if (current !== undefined) return { ci: current, created: false };
    try {
      const ci = await createCi(
        {
          class: fields.class,
          name: fields.name,
          ...(fields.externalId === undefined ? {} : { externalId: fields.externalId }),
          aws: { ...identityOf(resource), ...(fields.stackId === undefined ? {} : { stackId: fields.stackId }) },
        },
        options,
      );
      return { ci, created: true };
    } catch (error) {
      if (!isAlreadyExists(error) || attempt >= RACE_ATTEMPTS) throw error;
    }
  }
}

/** Changes a fed CI as CloudFormation reports it (its stack, its status); nothing different: nothing written. */
export function updateFedCi(ci: Ci, patch: CiPatch, options: { actor: string; source: CiSource }): Promise<Ci> {
  return updateCi(ci.id, patch, options);
}
