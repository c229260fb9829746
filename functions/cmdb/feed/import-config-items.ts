import { HttpError } from '../../shared/errors.ts';
import { log } from '../../shared/log.ts';
import { AWS_CONFIG_ACTOR, baseConfigurationItemShape, resourceKeyOf, stateOfBaseConfigurationItem, type TagMapping } from '../domain/aws-feed.ts';
import { applyCiState, FedCiConflict } from './fed-cis.ts';

/*
 * The initial import (POST /cis/import): the items `aws configservice batch-get-resource-config`
 * prints, for an account that had AWS Config before the product was deployed. Each item is applied
 * as a configuration item change would be (same CI writes, same capture-time order), so importing
 * the same items again changes nothing, and an item older than what the feed applied since is not
 * applied. Base items carry no relationships: the import leaves relationships as they are, and
 * the next change notification of each resource brings them.
 */

/** Items written at a time: each is a few round trips; more at once would only queue on the table. */
const CONCURRENCY = 8;

export interface ImportFailure {
  /** `account/region/type/resourceId`, or the item's position when it has no identity. */
  resourceKey: string;
  reason: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** Already as the item says, or the CMDB reflects a later capture of the resource. */
  unchanged: number;
  failed: ImportFailure[];
}

function identityOfRaw(item: unknown, index: number): string {
  const raw = (item ?? {}) as Record<string, unknown>;
  const parts = [raw.accountId, raw.awsRegion, raw.resourceType, raw.resourceId];
  return parts.every((part) => typeof part === 'string' && part !== '') ? parts.join('/') : `baseConfigurationItems[${index}]`;
}

async function importOne(item: unknown, index: number, tagMapping: TagMapping): Promise<keyof Omit<ImportResult, 'failed'> | ImportFailure> {
  const parsed = baseConfigurationItemShape.safeParse(item);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { resourceKey: identityOfRaw(item, index), reason: `not a configuration item: ${issue?.path.join('.') || 'item'}: ${issue?.message ?? 'invalid'}` };
  }
  const mapped = stateOfBaseConfigurationItem(parsed.data, tagMapping);
  if (!mapped.ok) return { resourceKey: identityOfRaw(item, index), reason: mapped.reason };
  try {
    const { outcome } = await applyCiState(mapped.state, { actor: AWS_CONFIG_ACTOR, source: 'aws-config' });
    return outcome === 'stale' ? 'unchanged' : outcome;
  } catch (error) {
    const resourceKey = resourceKeyOf(mapped.state.resource);
    // What the caller can act on (another CI holds the ARN) is said; anything else is logged and the item can be imported again.
    if (error instanceof FedCiConflict) return { resourceKey, reason: error.message };
    if (error instanceof HttpError) return { resourceKey, reason: error.detail };
    log.error('imported item not written', { resourceKey, error });
    return { resourceKey, reason: 'The item could not be written; import it again' };
  }
}

/** Applies each item; one item's failure is reported with its resource and does not stop the others. */
export async function importConfigItems(items: readonly unknown[], tagMapping: TagMapping): Promise<ImportResult> {
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, failed: [] };
  const outcomes: Awaited<ReturnType<typeof importOne>>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      outcomes[index] = await importOne(items[index], index, tagMapping);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  for (const outcome of outcomes) {
    if (typeof outcome === 'string') result[outcome]++;
    else result.failed.push(outcome);
  }
  return result;
}
