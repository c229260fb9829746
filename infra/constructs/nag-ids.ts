import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id of a granular cdk-nag IAM5 finding on a resource, as cdk-nag writes it: the resolved
 * value flattened, `{ Ref: X }` as `<X>`, `Fn::GetAtt` as `<X.Attr>`, `Fn::Join` joined,
 * `Fn::ImportValue` as the export's name. Lets an acknowledgement name exactly the one wildcard
 * it accepts, in env-agnostic and concrete environments alike (where the partition, Region and
 * account are literals instead), in the stack of the wildcard or in an area stack importing it.
 */
export function iam5ResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (Array.isArray(record['Fn::GetAtt'])) {
      const [logicalId, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(logicalId)}.${flatten(attribute)}>`;
    }
    if (record.Ref !== undefined) return `<${flatten(record.Ref)}>`;
    // Another stack's export, as an area stack imports it: cdk-nag writes the export's name.
    if (record['Fn::ImportValue'] !== undefined) return flatten(record['Fn::ImportValue']);
  }
  return JSON.stringify(node);
}
