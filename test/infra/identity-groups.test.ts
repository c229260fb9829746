import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { CognitoIdentityConfig } from '../../infra/config.ts';
import { Identity } from '../../infra/constructs/identity.ts';

const COGNITO: CognitoIdentityConfig = { kind: 'cognito', featurePlan: 'essentials', callbackUrls: [], logoutUrls: [], domainPrefix: undefined };

/** Logical id of each Cognito group, by its name, for one role configuration. */
function groupIds(roleGroups: { admin: string[]; agent: string[]; requester: string[] }): Record<string, string> {
  const stack = new Stack(new App(), 'Groups');
  new Identity(stack, 'Identity', COGNITO, roleGroups);
  const groups = Template.fromStack(stack).findResources('AWS::Cognito::UserPoolGroup');
  return Object.fromEntries(Object.entries(groups).map(([logicalId, group]) => [group.Properties.GroupName as string, logicalId]));
}

describe('Cognito groups of the role configuration', () => {
  // A group whose logical id changes is replaced by CloudFormation: a new group of the same name
  // fails to create while the old one holds the name, or, once replaced, its members are gone.
  it('keep their resources when names are added before them, reordered or removed', () => {
    const before = groupIds({ admin: ['admin'], agent: ['agent', 'network-team'], requester: [] });
    const after = groupIds({ admin: ['itsm-admins', 'admin'], agent: ['ops', 'network-team', 'agent'], requester: ['staff'] });
    for (const name of ['admin', 'agent', 'network-team']) expect(after[name], name).toBe(before[name]);
    expect(new Set(Object.values(after)).size).toBe(Object.keys(after).length);
  });

  it('keeps the ids the default groups always had', () => {
    const ids = groupIds({ admin: ['admin'], agent: ['agent'], requester: [] });
    expect(Object.keys(ids).sort()).toEqual(['admin', 'agent']);
    expect(ids.admin).toMatch(/^IdentityUserPoolAdminGroup[0-9A-F]{8}$/);
    expect(ids.agent).toMatch(/^IdentityUserPoolAgentGroup[0-9A-F]{8}$/);
  });
});
