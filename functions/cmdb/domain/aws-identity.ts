import type { AwsIdentity } from './ci.ts';

/*
 * How an AWS resource's CI is found: by the resource id AWS Config gives it, and, for the types
 * below, by its name too. CloudFormation names some resources by their name where AWS Config uses
 * an id (an IAM role's physical id is its name, AWS Config's resource id is the role id AROA...;
 * an RDS instance's is its identifier, AWS Config's the db-... resource id), and AWS Config names
 * some relationship targets by name only. A CI of these types therefore also holds a guard item
 * keyed by its name (store/ci-store.ts guardKeys), so both names find it with one GetItem.
 *
 * Only types whose names are unique in their account and region (IAM: in the account) and whose
 * ARN is built from the name: a name another live resource of the type may carry too (two VPCs'
 * security groups both called `default`) must never make one CI refuse another, and a resource
 * deleted and made again under its name comes back to its CI through the ARN.
 */
export const RESOURCE_TYPES_FOUND_BY_NAME: ReadonlySet<string> = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::IAM::Group',
  'AWS::IAM::Policy',
  'AWS::IAM::InstanceProfile',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
]);

/** The name the CI of this resource is found by besides its resource id; undefined when none (or the same). */
export function awsNameIdentifierOf(aws: Pick<AwsIdentity, 'resourceType' | 'resourceId' | 'resourceName'>): string | undefined {
  const name = aws.resourceName;
  if (name === undefined || name === aws.resourceId || !RESOURCE_TYPES_FOUND_BY_NAME.has(aws.resourceType)) return undefined;
  return name;
}
