import { HttpError, notFound } from '../../shared/errors.ts';
import { type Condition, type NamedItem, TransactionRefused } from '../../shared/store/transaction.ts';
import { CiConditionFailed, createCi, updateCi } from '../ci-write.ts';
import type { AwsResourceRef, FedCiState } from '../domain/aws-feed.ts';
import { type AwsIdentity, type Ci, type CiPatch, type CiSource, isServiceCiId } from '../domain/ci.ts';
import { findCiByAwsResource, findCiByExternalId, getCi } from '../store/ci-store.ts';

/*
 * The AWS feed's CIs: found by the resource's identity (its resource id, or its name for the types
 * domain/aws-identity.ts lists, or its ARN), created when AWS names a resource the CMDB does not
 * know yet, updated in capture-time order. Every write goes through ci-write.ts (the CI, its guard
 * items, history and outbox in one transaction); the guard items make two events racing to create
 * one resource's CI create one, and the loser updates it.
 *
 * An update is built from the CI as it is when it commits: each attempt reads the CI, builds its
 * change from what it read (the `aws` members it changes, the others as they are) and writes at
 * that version; a CI that moved meanwhile is read again and the change built again. So a
 * CloudFormation event never writes back an older capture time, nor an AWS Config item drops the
 * stack CloudFormation noted meanwhile.
 */

/** What a write did to the CI. `stale`: AWS Config captured something newer already. */
export type CiWriteOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

const RACE_ATTEMPTS = 3;
/** Attempts of an update whose CI moved meanwhile (each reads it again): events of one resource rarely overlap more. */
const UPDATE_ATTEMPTS = 5;

const isAlreadyExists = (error: unknown): boolean => error instanceof HttpError && error.status === 409 && error.slug === 'already-exists';
const isVersionMoved = (error: unknown): boolean => error instanceof HttpError && error.status === 412;
const isGone = (error: unknown): boolean => error instanceof HttpError && error.status === 404;

/**
 * The resource's identity and its ARN name two different CIs (someone gave the ARN to another CI
 * by hand, or two CIs were made before the name was known): the feed cannot tell which one is the
 * resource's, and writing either would be refused by the other's guard. The event is recorded as
 * ignored with this reason (feed/apply-feed-event.ts), never retried into the dead-letter queue:
 * a person resolves it (deletes one CI, or changes its external id), and the next event applies.
 */
export class FedCiConflict extends Error {
  constructor(
    readonly resource: AwsResourceRef,
    readonly byIdentity: string,
    readonly holder: string,
    what: string,
  ) {
    super(
      `CI ${holder} holds ${what}, but CI ${byIdentity} is this resource's (${resource.resourceType} ${resource.resourceId}): change or delete one of them`,
    );
    this.name = 'FedCiConflict';
  }
}

const identityOf = (ref: AwsResourceRef): AwsIdentity => ({
  accountId: ref.accountId,
  region: ref.region,
  resourceType: ref.resourceType,
  resourceId: ref.resourceId,
  ...(ref.resourceName === undefined ? {} : { resourceName: ref.resourceName }),
});

/**
 * The CI of a resource: by its resource id, else by its name (a CI CloudFormation or a
 * relationship made under the name: its guard item is keyed by the name), else by its ARN (a CI
 * someone created by hand with it). The look-ups run at once. FedCiConflict when two of them name
 * different CIs.
 */
export async function findFedCi(resource: AwsResourceRef, externalId?: string): Promise<Ci | undefined> {
  const { accountId, region, resourceType, resourceId, resourceName } = resource;
  const [byId, byName, byArn] = await Promise.all([
    findCiByAwsResource(accountId, region, resourceType, resourceId),
    resourceName === undefined || resourceName === resourceId ? undefined : findCiByAwsResource(accountId, region, resourceType, resourceName),
    externalId === undefined ? undefined : findCiByExternalId(externalId),
  ]);
  const byIdentity = byId ?? byName;
  if (byId !== undefined && byName !== undefined && byId.id !== byName.id) throw new FedCiConflict(resource, byId.id, byName.id, `the name ${resourceName}`);
  if (byIdentity !== undefined && byArn !== undefined && byIdentity.id !== byArn.id)
    throw new FedCiConflict(resource, byIdentity.id, byArn.id, `the ARN ${externalId}`);
  const found = byIdentity ?? byArn;
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

/**
 * The `aws` of `current` with some members changed (undefined removes one): what the feed writes,
 * so that the members it does not change (captureTime for CloudFormation, stackId for AWS Config)
 * stay as the CI has them when the write commits.
 */
function awsWith(current: Ci, members: Partial<AwsIdentity>): AwsIdentity | undefined {
  if (current.aws === undefined) return undefined;
  const next: Record<string, unknown> = { ...current.aws };
  for (const [member, value] of Object.entries(members)) {
    if (value === undefined) delete next[member];
    else next[member] = value;
  }
  return next as unknown as AwsIdentity;
}

/** The change a configuration item makes to the CI as it is now. */
function patchOf(state: FedCiState, current: Ci): CiPatch {
  const identity = identityOf(state.resource);
  return {
    class: state.class,
    name: state.name,
    status: state.status,
    ...(state.attributes === undefined ? {} : { attributes: { ...state.attributes } }),
    ...(state.tags === undefined ? {} : { ownerGroup: state.tags.ownerGroup ?? null, environment: state.tags.environment ?? null }),
    ...(state.externalId === undefined ? {} : { externalId: state.externalId }),
    // Members the item does not carry (resourceName of some, the stack) stay as the CI has them.
    aws: { ...current.aws, ...identity, captureTime: state.captureTime },
  };
}

/**
 * Changes `read`'s CI by what `changeOf` makes of it as it is, at its version: when the CI moved
 * meanwhile, it is read again and the change made again from what it is now. `changeOf` answers
 * `stale` when the CI as it is now is past what the event says (nothing written). `condition`:
 * an extra condition on the CI's item, `checks` on other items (CloudFormation's order): when one
 * does not hold, `stale` (nothing written).
 */
export async function updateFedCi(
  read: Ci,
  changeOf: (current: Ci) => CiPatch | 'stale',
  options: { actor: string; source: CiSource | 'kept'; condition?: Condition; checks?: readonly NamedItem[] },
): Promise<{ outcome: 'updated' | 'unchanged' | 'stale'; ci: Ci }> {
  let current = read;
  for (let attempt = 1; ; attempt++) {
    const patch = changeOf(current);
    if (patch === 'stale') return { outcome: 'stale', ci: current };
    if (Object.keys(patch).length === 0) return { outcome: 'unchanged', ci: current };
    try {
      // `kept`: a change that says nothing of who keeps the CI's fields right (its stack, its status) keeps its source.
      const source = options.source === 'kept' ? current.source : options.source;
      const ci = await updateCi(current.id, patch, {
        actor: options.actor,
        source,
        expectedVersion: current.version,
        ...(options.condition === undefined ? {} : { condition: options.condition }),
        ...(options.checks === undefined ? {} : { checks: options.checks }),
      });
      return { outcome: ci.version === current.version ? 'unchanged' : 'updated', ci };
    } catch (error) {
      if (error instanceof CiConditionFailed) return { outcome: 'stale', ci: error.ci };
      if (error instanceof TransactionRefused && options.checks?.some((check) => error.has(check.name))) return { outcome: 'stale', ci: current };
      if (!isVersionMoved(error) || attempt >= UPDATE_ATTEMPTS) throw error;
      const fresh = await getCi(current.id);
      // Deleted meanwhile: applyCiState looks the resource up again (and creates its CI).
      if (fresh === undefined) throw notFound(`CI ${current.id}`);
      current = fresh;
    }
  }
}

/** The CI as a configuration item says it should be, unless it reflects a later capture already. */
export const updateCiToState = (read: Ci, state: FedCiState, options: { actor: string; source: CiSource }) =>
  updateFedCi(
    read,
    (current) => {
      const captured = current.aws?.captureTime;
      return captured !== undefined && captured > state.captureTime ? 'stale' : patchOf(state, current);
    },
    { ...options, condition: capturedNoLaterThan(state.captureTime) },
  );

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
      return await updateCiToState(current, state, options);
    } catch (error) {
      // Another event created the resource's CI between the look-up and the write, or it was
      // deleted meanwhile: look again.
      if (!(isAlreadyExists(error) || isGone(error)) || attempt >= RACE_ATTEMPTS) throw error;
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

/** The CI's `aws` with `stackId` set (or removed: undefined), as a patch; none when it is so already or the CI has no `aws`. */
export function stackPatch(current: Ci, stackId: string | undefined): CiPatch {
  if (current.aws === undefined || current.aws.stackId === stackId) return {};
  const aws = awsWith(current, { stackId });
  return aws === undefined ? {} : { aws };
}
