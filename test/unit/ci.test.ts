import { describe, expect, it } from 'vitest';
import {
  applyCiPatch,
  BUILT_IN_CI_CLASSES,
  type Ci,
  ciDiffs,
  ciListSortKey,
  isOwnCiId,
  isServiceCiId,
  newCi,
  replaceAsPatch,
  serviceAsCi,
} from '../../functions/cmdb/domain/ci.ts';
import { builtInCiClass, ciClassOf } from '../../functions/cmdb/domain/ci-classes.ts';
import { ciEventType, ciOutboxRecord } from '../../functions/cmdb/domain/events.ts';
import { ciEventDetail } from '../../functions/cmdb/schemas/events.ts';
import { instanceIssues as attributeIssues, schemaIssues as attributesSchemaIssues } from '../../functions/shared/domain/json-schema.ts';
import { outboxSubject } from '../../functions/shared/domain/outbox.ts';

/* The CI domain: creation, patches and their diffs, services as CIs, events, and the attribute schemas of classes. */

const NOW = '2026-12-07T02:00:00.000Z';
const LATER = '2026-12-07T03:00:00.000Z';
const ID = '01JF3Q8Z7W5R6T9V2K4M1N0P8H';

const lambda = (): Ci =>
  newCi(
    { class: 'lambda_function', name: 'Checkout', ownerGroup: 'payments-team', environment: 'prod', attributes: { runtime: 'nodejs22.x', memorySize: 512 } },
    { id: ID, source: 'manual', now: NOW },
  );

describe('newCi', () => {
  it('is active, version 1, with empty attributes unless given, and only the optional fields given', () => {
    const ci = newCi({ class: 'generic', name: 'Thing' }, { id: ID, source: 'aws-config', now: NOW });
    expect(ci).toEqual({
      id: ID,
      class: 'generic',
      name: 'Thing',
      status: 'active',
      attributes: {},
      source: 'aws-config',
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
    });
    expect(ciDiffs(undefined, ci).map((d) => d.field)).toEqual(['class', 'name', 'status', 'attributes', 'source']);
  });
});

describe('applyCiPatch', () => {
  it('changes only what the patch names, removes what it nulls, and moves the version once', () => {
    const { after, changes } = applyCiPatch(
      lambda(),
      { environment: null, attributes: { runtime: 'nodejs22.x', memorySize: 1024 } },
      { source: 'manual', now: LATER },
    );
    expect(after.environment).toBeUndefined();
    expect(after.ownerGroup).toBe('payments-team');
    expect(after.attributes).toEqual({ runtime: 'nodejs22.x', memorySize: 1024 });
    expect(after.version).toBe(2);
    expect(after.updatedAt).toBe(LATER);
    expect(changes).toEqual([
      { field: 'environment', from: 'prod', to: null },
      { field: 'attributes', from: { runtime: 'nodejs22.x', memorySize: 512 }, to: { runtime: 'nodejs22.x', memorySize: 1024 } },
    ]);
  });

  it('writes nothing when nothing differs: attributes compare regardless of key order, and a new source alone is no change', () => {
    const ci = lambda();
    const { after, changes } = applyCiPatch(
      ci,
      { attributes: { memorySize: 512, runtime: 'nodejs22.x' }, name: 'Checkout' },
      { source: 'aws-config', now: LATER },
    );
    expect(changes).toEqual([]);
    expect(after).toBe(ci);
  });

  it('records the source of the change that changed something', () => {
    const { after, changes } = applyCiPatch(lambda(), { status: 'retired' }, { source: 'aws-config', now: LATER });
    expect(after.source).toBe('aws-config');
    expect(changes).toEqual([
      { field: 'status', from: 'active', to: 'retired' },
      { field: 'source', from: 'manual', to: 'aws-config' },
    ]);
  });

  it('a replacement removes what it leaves out (PUT)', () => {
    const { after } = applyCiPatch(lambda(), replaceAsPatch({ class: 'lambda_function', name: 'Checkout v2' }), { source: 'manual', now: LATER });
    expect(after).toMatchObject({ name: 'Checkout v2', status: 'active', attributes: {} });
    expect(after.ownerGroup).toBeUndefined();
    expect(after.environment).toBeUndefined();
  });
});

describe('ids and services', () => {
  it('tells a ULID from a service name', () => {
    expect(isOwnCiId(ID)).toBe(true);
    expect(isServiceCiId(ID)).toBe(false);
    expect(isOwnCiId('payments')).toBe(false);
    expect(isServiceCiId('payments')).toBe(true);
    expect(isServiceCiId('Not A Name')).toBe(false);
  });

  it("shows a directory service as a CI of class service: its displayName, owner, criticality, the service's version", () => {
    const ci = serviceAsCi({
      name: 'payments',
      displayName: 'Payments',
      ownerGroup: 'database',
      criticality: 'critical',
      createdAt: NOW,
      updatedAt: LATER,
      version: 4,
    });
    expect(ci).toEqual({
      id: 'payments',
      class: 'service',
      name: 'Payments',
      ownerGroup: 'database',
      status: 'active',
      attributes: { criticality: 'critical', urgent: false },
      source: 'manual',
      createdAt: NOW,
      updatedAt: LATER,
      version: 4,
    });
  });

  it('lists by name case-insensitively, then id', () => {
    expect(ciListSortKey({ id: ID, name: 'Checkout API' })).toBe(`checkout api#${ID}`);
  });
});

describe('events', () => {
  it('names Created, Retired, Deleted and Updated', () => {
    const ci = lambda();
    expect(ciEventType(undefined, ci)).toBe('CI Created');
    expect(ciEventType(ci, { ...ci, status: 'retired', version: 2 })).toBe('CI Retired');
    expect(ciEventType(ci, undefined)).toBe('CI Deleted');
    expect(ciEventType(ci, { ...ci, name: 'x', version: 2 })).toBe('CI Updated');
  });

  it('publishes no free text: description and attribute values stay out; the record is one the publisher delivers and the schema describes', () => {
    const before = { ...lambda(), description: 'SECRET notes' };
    const { after, changes } = applyCiPatch(
      before,
      { description: 'SECRET more', attributes: { runtime: 'SECRET' }, ownerGroup: 'web' },
      { source: 'manual', now: LATER },
    );
    const record = ciOutboxRecord({ eventId: 'E1', type: 'CI Updated', ci: after, actor: 'ada', occurredAt: LATER, changes });
    expect(JSON.stringify(record)).not.toContain('SECRET');
    expect(record.detail.changes).toEqual([{ field: 'description' }, { field: 'ownerGroup', from: 'payments-team', to: 'web' }, { field: 'attributes' }]);
    expect(record.detail.ci).toMatchObject({ id: ID, number: ID, version: 2, class: 'lambda_function', ownerGroup: 'web' });
    expect(ciEventDetail.safeParse(record.detail).success).toBe(true);
    // The publisher delivers a record whose `<kind>Id` names a summary with a number and a version.
    expect(outboxSubject({ ...record })).toEqual({ kind: 'ci', id: ID, summary: record.detail.ci });
    expect(record.notification.recipients).toEqual({ users: [], groups: [] });
  });
});

describe('attribute schemas', () => {
  it('every built-in default schema is a valid JSON Schema; generic accepts anything', () => {
    for (const name of BUILT_IN_CI_CLASSES) expect(attributesSchemaIssues(builtInCiClass(name).attributesSchema), name).toEqual([]);
    expect(attributeIssues(builtInCiClass('generic').attributesSchema, { anything: [1, { deep: true }] })).toEqual([]);
    expect(ciClassOf('no-such-class', undefined)).toBeUndefined();
  });

  it('names each attribute at fault, the missing ones included', () => {
    const schema = {
      type: 'object',
      required: ['runtime'],
      properties: { memorySize: { type: 'integer', minimum: 128 }, tags: { type: 'object', additionalProperties: { type: 'string' } } },
    };
    const issues = attributeIssues(schema, { memorySize: 64, tags: { team: 7 } });
    expect(issues.map((issue) => issue.path.join('.')).sort()).toEqual(['memorySize', 'runtime', 'tags.team']);
    expect(attributeIssues(schema, { runtime: 'python3.13', memorySize: 256 })).toEqual([]);
  });

  it('the lambda_function default refuses a memory size Lambda does not have', () => {
    expect(attributeIssues(builtInCiClass('lambda_function').attributesSchema, { memorySize: 64 }).map((i) => i.path)).toEqual([['memorySize']]);
  });

  it('refuses what is not a JSON Schema 2020-12, naming the part at fault', () => {
    const at = (schema: unknown) => attributesSchemaIssues(schema).map((issue) => issue.path.join('.'));
    expect(at(42)).toEqual(['']);
    expect(at({ type: 'strnig' })).toEqual(['type']);
    expect(at({ properties: { size: { minimum: 'ten' } } })).toEqual(['properties.size.minimum']);
    expect(at({ required: 'runtime' })).toEqual(['required']);
    expect(at({ properties: { name: { pattern: '(' } } })).toEqual(['properties.name.pattern']);
    expect(at({ $ref: 'https://example.com/schema.json' })).toEqual(['$ref']);
    expect(at({ $ref: '#/$defs/missing' })).toEqual(['$ref']);
    expect(at({ $schema: 'http://json-schema.org/draft-07/schema#' })).toEqual(['$schema']);
    expect(at({ $defs: { size: { type: 'integer' } }, properties: { size: { $ref: '#/$defs/size' } } })).toEqual([]);
    expect(at(true)).toEqual([]);
  });
});
