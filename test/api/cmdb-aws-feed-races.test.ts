import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FeedEnvelope } from '../../functions/cmdb/domain/aws-feed.ts';
import type { FeedEventResult } from '../../functions/cmdb/feed/apply-feed-event.ts';
import { GetCommand } from '../../functions/shared/store/dynamodb.ts';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

/*
 * The AWS feed when two events of one resource are applied at once (two batches of the queue,
 * maxConcurrency 5): each interleaving is driven here, not left to timing. A hook on the CI
 * look-up by AWS resource (store/ci-store.ts findCiByAwsResource) runs a competing event to its
 * end just after one event has read what it looks up, before that event writes; the feed's
 * writes must leave the newest state whatever comes first. Also: a resource CloudFormation names
 * by name and AWS Config by id is one CI, and an ARN another CI holds is recorded, not retried.
 */

type Lookup = [accountId: string, region: string, resourceType: string, resourceId: string];
const hooks = vi.hoisted(() => ({ pending: [] as { when: (lookup: Lookup | [id: string]) => boolean; run: () => Promise<unknown> }[] }));

/** Runs the first pending hook `lookup` matches, once, before the look-up answers. */
async function runHookOf(lookup: Lookup | [id: string]): Promise<void> {
  const index = hooks.pending.findIndex((hook) => hook.when(lookup));
  const hook = hooks.pending[index];
  if (hook === undefined) return;
  hooks.pending.splice(index, 1);
  await hook.run();
}

vi.mock('../../functions/cmdb/store/ci-store.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../functions/cmdb/store/ci-store.ts')>();
  return {
    ...original,
    findCiByAwsResource: async (...lookup: Lookup) => {
      const found = await original.findCiByAwsResource(...lookup);
      await runHookOf(lookup);
      return found;
    },
    getCi: async (id: string) => {
      const found = await original.getCi(id);
      await runHookOf([id]);
      return found;
    },
  };
});

/** Runs `run` once, right after the next look-up of `resourceId` has read (and before its caller goes on). */
const afterLookupOf = (resourceId: string, run: () => Promise<unknown>) =>
  hooks.pending.push({ when: (lookup) => lookup.length === 4 && lookup[3] === resourceId, run });
/** Runs `run` once, right after the next read of CI `id` by its id (an update reads the CI it writes). */
const afterReadOf = (id: string, run: () => Promise<unknown>) => hooks.pending.push({ when: (lookup) => lookup.length === 1 && lookup[0] === id, run });

let stack: TestStack;
let ada: Client;
let alice: Client;
let apply: (envelope: FeedEnvelope) => Promise<FeedEventResult>;
let readItem: (key: { pk: string; sk: string }) => Promise<Record<string, unknown> | undefined>;
let keys: typeof import('../../functions/cmdb/store/keys.ts');

const fixture = (path: string): any => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

const ACCOUNT = '123456789012';
const STACK_ARN = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/races/5c8f2a70-d6b3-11f0-8e2f-0b8f3c0d5e22';
let eventCount = 0;

/** AWS Config's item of function `name` captured at `captureTime`, reporting `relationships` (Config's shape). */
function configItem(name: string, captureTime: string, options: { memorySize?: number; relationships?: unknown[]; arn?: boolean } = {}): FeedEnvelope {
  const envelope = fixture('aws-config/lambda-updated.json');
  envelope.id = `race-config-${++eventCount}`;
  const item = envelope.detail.configurationItem;
  item.resourceId = name;
  item.resourceName = name;
  item.ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${name}`;
  if (options.arn === false) delete item.ARN;
  item.configurationItemCaptureTime = captureTime;
  item.configuration.memorySize = options.memorySize ?? 512;
  item.relationships = options.relationships ?? [];
  return envelope;
}

/** CloudFormation's "resource created" of `physicalId` in the stack, at `time`. */
function stackResource(physicalId: string, time: string, resourceType = 'AWS::Lambda::Function', status = 'CREATE_COMPLETE'): FeedEnvelope {
  const envelope = fixture('cloudformation/lambda-create-complete.json');
  envelope.id = `race-cfn-${++eventCount}`;
  envelope.time = time;
  envelope.resources = [STACK_ARN];
  envelope.detail['stack-id'] = STACK_ARN;
  envelope.detail['physical-resource-id'] = physicalId;
  envelope.detail['resource-type'] = resourceType;
  envelope.detail['status-details'].status = status;
  return envelope;
}

const subnet = (id: string) => ({ resourceId: id, resourceType: 'AWS::EC2::Subnet', name: 'Is contained in Subnet' });

async function ci(id: string): Promise<Record<string, any>> {
  const reply = await alice.get(`/cis/${id}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function relatedNames(id: string): Promise<string[]> {
  const reply = await alice.get(`/cis/${id}/relationships`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const names = await Promise.all(reply.body.items.map(async (r: { type: string; target: string }) => `${r.type} ${(await ci(r.target)).name}`));
  return names.sort();
}

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice] = await Promise.all([admin(stack), agent(stack)]);
  // Loaded once the stack has set the table's environment.
  const feed = await import('../../functions/cmdb/feed/apply-feed-event.ts');
  apply = (envelope) => feed.applyFeedEvent(envelope);
  const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
  readItem = async (key) => (await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
  keys = await import('../../functions/cmdb/store/keys.ts');
});
afterAll(async () => {
  expect(hooks.pending).toEqual([]);
  await stack?.stop();
});

describe('a CloudFormation event and an AWS Config item of one resource at once', () => {
  let raceA: string;

  it('CloudFormation noting the stack after a later capture was applied keeps that capture (an older item is then stale)', async () => {
    raceA = (await apply(configItem('race-a', '2026-11-01T10:00:00.000Z'))).ciId as string;
    // CloudFormation reads the CI (capture 10:00); a capture of 11:00 is applied before it writes.
    afterLookupOf('race-a', () => apply(configItem('race-a', '2026-11-01T11:00:00.000Z', { memorySize: 2048 })));
    expect(await apply(stackResource('race-a', '2026-11-01T10:30:00Z'))).toMatchObject({ outcome: 'applied', ciId: raceA });
    expect(await ci(raceA)).toMatchObject({
      attributes: { memorySize: 2048 },
      aws: { captureTime: '2026-11-01T11:00:00.000Z', stackId: STACK_ARN },
    });
    // So an item captured between the two is older than what the CI reflects.
    expect(await apply(configItem('race-a', '2026-11-01T10:45:00.000Z', { memorySize: 1024 }))).toMatchObject({ outcome: 'stale' });
    expect(await ci(raceA)).toMatchObject({ attributes: { memorySize: 2048 }, aws: { captureTime: '2026-11-01T11:00:00.000Z' } });
  });

  it('an AWS Config item applied after CloudFormation noted the stack keeps the stack', async () => {
    const raceB = (await apply(configItem('race-b', '2026-11-01T10:00:00.000Z'))).ciId as string;
    // The item reads the CI (no stack); CloudFormation notes its stack before the item writes.
    afterLookupOf('race-b', () => apply(stackResource('race-b', '2026-11-01T10:30:00Z')));
    expect(await apply(configItem('race-b', '2026-11-01T11:00:00.000Z', { memorySize: 2048 }))).toMatchObject({ outcome: 'applied', ciId: raceB });
    expect(await ci(raceB)).toMatchObject({
      attributes: { memorySize: 2048 },
      aws: { captureTime: '2026-11-01T11:00:00.000Z', stackId: STACK_ARN },
    });
  });

  it("deleting a CI removes the feed's items in its partition (what AWS Config reported, CloudFormation's order)", async () => {
    expect(await readItem(keys.awsReportedRelationshipsKey(raceA))).toBeDefined();
    expect(await readItem(keys.cloudFormationOrderKey(raceA))).toBeDefined();
    const current = await ci(raceA);
    const reply = await ada.delete(`/cis/${raceA}`, { 'if-match': `"${current.version}"` });
    expect(reply.status, JSON.stringify(reply.body)).toBe(204);
    expect(await readItem(keys.awsReportedRelationshipsKey(raceA))).toBeUndefined();
    expect(await readItem(keys.cloudFormationOrderKey(raceA))).toBeUndefined();
  });
});

describe('two CloudFormation events of one resource at once', () => {
  it('an event overtaken after it claimed its place writes nothing: the later one stands', async () => {
    const queue = 'https://sqs.eu-west-1.amazonaws.com/123456789012/race-g';
    const id = (await apply(stackResource(queue, '2026-11-01T10:00:00Z', 'AWS::SQS::Queue'))).ciId as string;
    expect(await apply(stackResource(queue, '2026-11-01T10:10:00Z', 'AWS::SQS::Queue', 'DELETE_COMPLETE'))).toMatchObject({ outcome: 'applied', ciId: id });
    // Imported again at 10:20 and deleted again at 10:30: the deletion runs whole after the import
    // claimed its place and read the CI, before the import writes it.
    afterReadOf(id, () => apply(stackResource(queue, '2026-11-01T10:30:00Z', 'AWS::SQS::Queue', 'DELETE_COMPLETE')));
    expect(await apply(stackResource(queue, '2026-11-01T10:20:00Z', 'AWS::SQS::Queue', 'IMPORT_COMPLETE'))).toMatchObject({ outcome: 'stale', ciId: id });
    const after = await ci(id);
    expect(after.status).toBe('retired');
    expect(after.aws).not.toHaveProperty('stackId');
    expect(await relatedNames(id)).toEqual([]);
  });
});

describe('two AWS Config items of one resource at once', () => {
  it('a later item applied between the look-up and the write of an earlier one: the earlier one is stale', async () => {
    const id = (await apply(configItem('race-c', '2026-11-01T09:00:00.000Z', { relationships: [subnet('subnet-c0')] }))).ciId as string;
    const later = configItem('race-c', '2026-11-01T11:00:00.000Z', { memorySize: 2048, relationships: [subnet('subnet-c2')] });
    afterLookupOf('race-c', () => apply(later));
    const earlier = await apply(configItem('race-c', '2026-11-01T10:00:00.000Z', { memorySize: 1024, relationships: [subnet('subnet-c1')] }));
    expect(earlier).toMatchObject({ outcome: 'stale', ciId: id });
    expect(await ci(id)).toMatchObject({ attributes: { memorySize: 2048 }, aws: { captureTime: '2026-11-01T11:00:00.000Z' } });
    expect(await relatedNames(id)).toEqual(['contained_by subnet-c2']);
  });

  it("a later item applied whole between an earlier one's CI write and its relationships: the relationships are the later one's, and none is left over", async () => {
    const id = (await apply(configItem('race-d', '2026-11-01T09:00:00.000Z', { relationships: [subnet('subnet-d0')] }))).ciId as string;
    const later = configItem('race-d', '2026-11-01T11:00:00.000Z', { relationships: [subnet('subnet-d2')] });
    // The earlier item has written the CI (10:00) and looks up its relationships' targets when the later one runs.
    afterLookupOf('subnet-d1', () => apply(later));
    const earlier = await apply(configItem('race-d', '2026-11-01T10:00:00.000Z', { relationships: [subnet('subnet-d1'), subnet('subnet-d0')] }));
    expect(earlier).toMatchObject({ outcome: 'stale', ciId: id });
    expect(await relatedNames(id)).toEqual(['contained_by subnet-d2']);
    // The next item reporting none removes all: nothing the earlier one did stays behind.
    expect(await apply(configItem('race-d', '2026-11-01T12:00:00.000Z'))).toMatchObject({ outcome: 'applied' });
    expect(await relatedNames(id)).toEqual([]);
  });
});

describe('identity by resource id or name', () => {
  const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/race-role`;

  it('an IAM role CloudFormation names by its name and AWS Config by its id is one CI, found by either and by a relationship naming it', async () => {
    const created = await apply(stackResource('race-role', '2026-11-01T10:00:00Z', 'AWS::IAM::Role'));
    expect(created).toMatchObject({ outcome: 'applied' });
    const roleItem = fixture('aws-config/role-discovered.json');
    roleItem.id = 'race-role-discovered';
    Object.assign(roleItem.detail.configurationItem, { resourceId: 'AROARACEROLE000000001', resourceName: 'race-role', ARN: ROLE_ARN, relationships: [] });
    expect(await apply(roleItem)).toMatchObject({ outcome: 'applied', ciId: created.ciId });
    expect(await ci(created.ciId as string)).toMatchObject({
      externalId: ROLE_ARN,
      aws: { region: 'global', resourceType: 'AWS::IAM::Role', resourceId: 'AROARACEROLE000000001', resourceName: 'race-role', stackId: STACK_ARN },
    });
    // CloudFormation again (by name), and a function whose item names the role by name only.
    expect(await apply(stackResource('race-role', '2026-11-01T10:05:00Z', 'AWS::IAM::Role', 'UPDATE_COMPLETE'))).toMatchObject({ ciId: created.ciId });
    const fn = await apply(
      configItem('race-e', '2026-11-01T10:10:00.000Z', {
        relationships: [{ resourceName: 'race-role', resourceType: 'AWS::IAM::Role', name: 'Is associated with Role' }],
      }),
    );
    const related = await alice.get(`/cis/${fn.ciId}/relationships`);
    expect(related.body.items).toEqual([expect.objectContaining({ type: 'depends_on', target: created.ciId, origin: 'aws-config' })]);
    const named = await alice.get('/cis?q=race-role');
    expect(named.body.items.map((item: { id: string }) => item.id)).toEqual([created.ciId]);
  });

  it('an item whose ARN another CI holds is recorded as ignored, naming that CI, and is not retried', async () => {
    const own = (await apply(configItem('race-f', '2026-11-01T10:00:00.000Z', { arn: false }))).ciId as string;
    const arn = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:race-f`;
    const manual = await ada.post('/cis', { class: 'application', name: 'race-f by hand', externalId: arn });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);
    const result = await apply(configItem('race-f', '2026-11-01T11:00:00.000Z'));
    expect(result).toMatchObject({ outcome: 'ignored', ciId: manual.body.id, reason: expect.stringContaining(`CI ${manual.body.id} holds the ARN`) });
    expect(result.reason).toContain(own);
    const { getFeedEvent } = await import('../../functions/cmdb/store/feed-event-store.ts');
    expect(await getFeedEvent(result.eventId)).toMatchObject({ outcome: 'ignored', ciId: manual.body.id });
    expect(await ci(own)).toMatchObject({ aws: { captureTime: '2026-11-01T10:00:00.000Z' } });
  });
});
