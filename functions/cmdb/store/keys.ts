/**
 * The CMDB's items in the single table (docs/data-model.md). One partition per configuration item
 * holds the CI, its history and the relationships it is the source of; each relationship is stored
 * once and indexed by its target, so it reads from both ends without a second copy.
 *
 * A service (functions/directory) is the CI of class `service` whose id is the service's name: it
 * stays the directory's one record (SERVICE#<name>), and only its relationships and history as a
 * CI live here, in the partition CI#<name>. CI ids are ULIDs (26 uppercase characters), which no
 * service name (lowercase slug) can be, so the two never collide.
 */

/** A configuration item of the CMDB's own (every class but `service`). */
export const ciKey = (id: string) => ({ pk: `CI#${id}`, sk: 'CI' });
/** The partition of a CI (own or a service): its relationships as source and its history. */
export const ciPartition = (id: string) => `CI#${id}`;

/**
 * A relationship, stored once in its source's partition under its canonical type
 * (domain/relationship-types.ts). gsi1 indexes it by target, so a CI reads the relationships that
 * point at it with one Query.
 */
export const relationshipKey = (source: string, type: string, target: string) => ({ pk: ciPartition(source), sk: `REL#${type}#${target}` });
export const RELATIONSHIP_SORT_PREFIX = 'REL#';
export const relationshipTargetIndex = (source: string, type: string, target: string) => ({ gsi1pk: `CIREL#${target}`, gsi1sk: `${type}#${source}` });
export const relationshipTargetPartition = (target: string) => `CIREL#${target}`;
/**
 * How many relationships an own CI takes part in (either end), in its partition: every addition and
 * removal moves it in its transaction, and a CI's deletion holds it equal to the relationships it
 * removes, so none added meanwhile (or not yet in the eventually consistent target index) survives it.
 */
export const relationshipCountKey = (ciId: string) => ({ pk: ciPartition(ciId), sk: 'RELATIONSHIPS#COUNT' });

/** A CI's external identity (the ARN of an AWS resource): one item per external id, so two CIs can never claim it. */
export const externalIdKey = (externalId: string) => ({ pk: `CIEXT#${externalId}`, sk: 'CIEXT' });
/**
 * An AWS resource as AWS Config and CloudFormation name it (account, region, resource type and
 * resource id): CloudFormation's events carry no ARN, only the physical id, so both feeds find the
 * CI through this item.
 */
export const awsResourceKey = (accountId: string, region: string, resourceType: string, resourceId: string) => ({
  pk: `CIAWS#${accountId}#${region}#${resourceType}#${resourceId}`,
  sk: 'CIAWS',
});

/** An admin-defined or built-in class's settings (its attribute schema). */
export const ciClassKey = (name: string) => ({ pk: `CICLASS#${name}`, sk: 'CICLASS' });
/** The CMDB's settings (tag mapping of the AWS feed). */
export const cmdbConfigKey = () => ({ pk: 'CONFIG#CMDB', sk: 'CONFIG' });
/** An event of the AWS feed, recorded before it is applied and deduplicated by its EventBridge id. */
export const feedEventKey = (eventId: string) => ({ pk: `CIEVENT#${eventId}`, sk: 'CIEVENT' });
/**
 * The relationships AWS Config last reported for a CI (canonical form), in the CI's partition: the
 * next item for that resource removes those it no longer reports, and only those, so an event of
 * a role never removes what its functions reported about it.
 */
export const awsReportedRelationshipsKey = (ciId: string) => ({ pk: ciPartition(ciId), sk: 'AWSCONFIG#RELATIONSHIPS' });
/**
 * The time of the last CloudFormation event applied to a CI (its place in a stack, a stack's own
 * status), in the CI's partition: an older one arriving later is recorded and not applied.
 */
export const cloudFormationOrderKey = (ciId: string) => ({ pk: ciPartition(ciId), sk: 'CLOUDFORMATION#LAST-EVENT' });
