import { describe, expect, it } from 'vitest';
import { INGESTION_RULES } from '../../functions/ingestion/rules.ts';
import { CONSUMERS } from '../../functions/routes.ts';
import { compileEventPattern, type EventPattern, EventPatternError, matchesEventPattern } from '../../local/event-pattern.ts';

const matches = (pattern: EventPattern, event: unknown) => compileEventPattern(pattern)(event);

describe('exact values', () => {
  const event = { source: 'com.example', detail: { count: 5, ok: true, nothing: null, empty: '', code: '5' } };

  it('strings, numbers, booleans, null and the empty string, each in its own type', () => {
    expect(matches({ source: ['com.example'] }, event)).toBe(true);
    expect(matches({ source: ['com.other', 'com.example'] }, event)).toBe(true);
    expect(matches({ source: ['com.other'] }, event)).toBe(false);
    expect(matches({ detail: { count: [5] } }, event)).toBe(true);
    expect(matches({ detail: { count: ['5'] } }, event)).toBe(false);
    expect(matches({ detail: { code: [5] } }, event)).toBe(false);
    expect(matches({ detail: { ok: [true] } }, event)).toBe(true);
    expect(matches({ detail: { ok: ['true'] } }, event)).toBe(false);
    expect(matches({ detail: { nothing: [null] } }, event)).toBe(true);
    expect(matches({ detail: { empty: [''] } }, event)).toBe(true);
    expect(matches({ detail: { empty: [null] } }, event)).toBe(false);
  });

  it('every field of the pattern must match; fields the pattern omits are free', () => {
    expect(matches({ source: ['com.example'], detail: { count: [5], ok: [true] } }, event)).toBe(true);
    expect(matches({ source: ['com.example'], detail: { count: [6] } }, event)).toBe(false);
  });

  it('a missing field matches no value, not even null', () => {
    expect(matches({ detail: { missing: [null] } }, event)).toBe(false);
    expect(matches({ nowhere: { deeper: ['x'] } }, event)).toBe(false);
  });

  it('an object in the event is not a leaf value', () => {
    expect(matches({ detail: ['x'] }, event)).toBe(false);
  });
});

describe('arrays in the event', () => {
  it('match when any element matches', () => {
    const event = { resources: ['arn:a', 'arn:b'], detail: { tags: [['nested', 'x']] } };
    expect(matches({ resources: ['arn:b'] }, event)).toBe(true);
    expect(matches({ resources: ['arn:c'] }, event)).toBe(false);
    expect(matches({ detail: { tags: ['x'] } }, event)).toBe(true);
  });

  it('a nested pattern over an array of objects must match within one element', () => {
    const event = {
      detail: {
        items: [
          { name: 'a', size: 1 },
          { name: 'b', size: 2 },
        ],
      },
    };
    expect(matches({ detail: { items: { name: ['b'], size: [2] } } }, event)).toBe(true);
    expect(matches({ detail: { items: { name: ['a'], size: [2] } } }, event)).toBe(false);
  });

  it('an empty array is like a missing field', () => {
    expect(matches({ resources: [{ exists: false }] }, { resources: [] })).toBe(true);
    expect(matches({ resources: [{ exists: true }] }, { resources: [] })).toBe(false);
  });
});

describe('content filters', () => {
  const event = { 'detail-type': 'Incident Trigger', source: 'com.example.Checkout', detail: { latency: 250, file: 'report.PNG', state: 'ALARM' } };

  it('prefix and suffix, case-sensitive or with equals-ignore-case', () => {
    expect(matches({ source: [{ prefix: 'com.example.' }] }, event)).toBe(true);
    expect(matches({ source: [{ prefix: 'com.Example' }] }, event)).toBe(false);
    expect(matches({ source: [{ prefix: { 'equals-ignore-case': 'COM.EXAMPLE' } }] }, event)).toBe(true);
    expect(matches({ detail: { file: [{ suffix: '.PNG' }] } }, event)).toBe(true);
    expect(matches({ detail: { file: [{ suffix: '.png' }] } }, event)).toBe(false);
    expect(matches({ detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event)).toBe(true);
    expect(matches({ detail: { latency: [{ prefix: '2' }] } }, event)).toBe(false);
  });

  it('equals-ignore-case', () => {
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'incident trigger' }] }, event)).toBe(true);
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'incident' }] }, event)).toBe(false);
  });

  it('anything-but: a value, a list, a prefix, a suffix; never a missing field', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'OK' }] } }, event)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'ALARM' }] } }, event)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': ['OK', 'ALARM'] }] } }, event)).toBe(false);
    expect(matches({ detail: { latency: [{ 'anything-but': [100, 200] }] } }, event)).toBe(true);
    expect(matches({ detail: { latency: [{ 'anything-but': 250 }] } }, event)).toBe(false);
    expect(matches({ source: [{ 'anything-but': { prefix: 'aws.' } }] }, event)).toBe(true);
    expect(matches({ source: [{ 'anything-but': { prefix: 'com.' } }] }, event)).toBe(false);
    expect(matches({ detail: { file: [{ 'anything-but': { suffix: '.PNG' } }] } }, event)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['alarm', 'ok'] } }] } }, event)).toBe(false);
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } }, event)).toBe(false);
  });

  it('exists, on leaves only', () => {
    expect(matches({ detail: { state: [{ exists: true }] } }, event)).toBe(true);
    expect(matches({ detail: { state: [{ exists: false }] } }, event)).toBe(false);
    expect(matches({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { missing: [{ exists: true }] } }, event)).toBe(false);
    expect(matches({ nothing: { deeper: [{ exists: false }] } }, event)).toBe(true);
    // `detail` is an object, not a leaf: EventBridge does not see it as existing.
    expect(matches({ detail: [{ exists: true }] }, event)).toBe(false);
    expect(matches({ detail: { nothing: [null] } }, { detail: { nothing: null } })).toBe(true);
    expect(matches({ detail: { nothing: [{ exists: true }] } }, { detail: { nothing: null } })).toBe(true);
  });

  it('numeric: equality and ranges, on numbers only', () => {
    expect(matches({ detail: { latency: [{ numeric: ['=', 250] }] } }, event)).toBe(true);
    expect(matches({ detail: { latency: [{ numeric: ['>', 200, '<=', 250] }] } }, event)).toBe(true);
    expect(matches({ detail: { latency: [{ numeric: ['>', 250] }] } }, event)).toBe(false);
    expect(matches({ detail: { latency: [{ numeric: ['>=', 250] }] } }, event)).toBe(true);
    expect(matches({ detail: { latency: [{ numeric: ['<', 0] }, { numeric: ['>', 100] }] } }, event)).toBe(true);
    expect(matches({ detail: { latency: [{ numeric: ['<', 250.5] }] } }, event)).toBe(true);
    expect(matches({ detail: { state: [{ numeric: ['>', 0] }] } }, event)).toBe(false);
    expect(matches({ detail: { n: [{ numeric: ['=', 300] }] } }, { detail: { n: 3e2 } })).toBe(true);
  });

  it('wildcard, with escaped stars', () => {
    expect(matches({ source: [{ wildcard: 'com.*.Checkout' }] }, event)).toBe(true);
    expect(matches({ source: [{ wildcard: 'com.*.checkout' }] }, event)).toBe(false);
    expect(matches({ source: [{ wildcard: '*' }] }, event)).toBe(true);
    expect(matches({ detail: { file: [{ wildcard: 'report.*' }] } }, event)).toBe(true);
    expect(matches({ detail: { file: [{ wildcard: 'report?PNG' }] } }, event)).toBe(false);
    expect(matches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(matches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axb' })).toBe(false);
    expect(matches({ name: [{ 'anything-but': { wildcard: 'test-*' } }] }, { name: 'prod-1' })).toBe(true);
  });

  it('several matchers for one field: any may match', () => {
    expect(matches({ detail: { state: ['OK', { prefix: 'AL' }] } }, event)).toBe(true);
    expect(matches({ detail: { missing: ['x', { exists: false }] } }, event)).toBe(true);
  });
});

describe('$or', () => {
  const event = { source: 'aws.cloudwatch', detail: { state: { value: 'OK' }, severity: 3 } };

  it('matches when one alternative does, alongside the other fields', () => {
    const pattern = { source: ['aws.cloudwatch'], $or: [{ detail: { state: { value: ['ALARM'] } } }, { detail: { severity: [{ numeric: ['>=', 3] }] } }] };
    expect(matches(pattern, event)).toBe(true);
    expect(matches({ ...pattern, source: ['aws.ec2'] }, event)).toBe(false);
    expect(matches({ $or: [{ source: ['x'] }, { detail: { state: { value: ['ALARM'] } } }] }, event)).toBe(false);
  });

  it('nests inside an object', () => {
    expect(matches({ detail: { $or: [{ severity: [1] }, { state: { value: ['OK'] } }] } }, event)).toBe(true);
  });
});

describe('invalid patterns are rejected with the offending path', () => {
  it.each([
    [{}, 'empty'],
    [{ source: 'aws.cloudwatch' }, 'source'],
    [{ source: [] }, 'source'],
    [{ detail: { state: [{ exsts: true }] } }, 'detail.state'],
    [{ detail: { state: [{ prefix: 1 }] } }, 'detail.state'],
    [{ detail: { n: [{ numeric: ['<', 5, '>', 1] }] } }, 'detail.n'],
    [{ detail: { n: [{ numeric: ['>', '1'] }] } }, 'detail.n'],
    [{ detail: { n: [{ exists: 'yes' }] } }, 'detail.n'],
    [{ ip: [{ cidr: '10.0.0.0/24' }] }, 'ip'],
    [{ name: [{ wildcard: 'a**b' }] }, 'name'],
    [{ $or: [] }, '$or'],
    [{ name: [{ prefix: 'a', suffix: 'b' }] }, 'name'],
  ])('%j', (pattern, path) => {
    expect(() => compileEventPattern(pattern as EventPattern)).toThrow(EventPatternError);
    expect(() => compileEventPattern(pattern as EventPattern)).toThrow(path);
  });

  it('an event that is not an object matches nothing', () => {
    expect(matches({ source: ['x'] }, null)).toBe(false);
    expect(matches({ source: ['x'] }, ['x'])).toBe(false);
  });
});

/** What EventBridge delivers for a CloudWatch alarm (the shape documented for alarm state changes). */
const cloudWatchAlarm = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-11-23T09:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx'],
  detail: {
    alarmName: 'checkout-5xx',
    state: { value: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).', timestamp: '2026-11-23T09:00:00.000+0000' },
    previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2026-11-23T08:00:00.000+0000' },
    configuration: {
      description: 'Checkout 5xx',
      metrics: [
        {
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          metricStat: {
            metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count', dimensions: { LoadBalancer: 'app/checkout/1' } },
            period: 60,
            stat: 'Sum',
          },
          returnData: true,
        },
      ],
    },
  },
};

const productTrigger = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Incident Trigger',
  source: 'com.example.checkout',
  account: '123456789012',
  time: '2026-11-23T09:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { dedupKey: 'db-pool', title: 'DB pool exhausted', severity: 'error', service: 'payments' },
};

const rulesMatching = (event: unknown) => INGESTION_RULES.filter((rule) => matchesEventPattern(rule.eventPattern, event)).map((rule) => rule.id);

describe('the ingestion rules (functions/ingestion/rules.ts)', () => {
  it('all compile', () => {
    for (const rule of INGESTION_RULES) expect(() => compileEventPattern(rule.eventPattern)).not.toThrow();
  });

  it('a CloudWatch alarm state change matches the alarm rule only', () => {
    expect(rulesMatching(cloudWatchAlarm)).toEqual(['CloudWatchAlarms']);
    expect(rulesMatching({ ...cloudWatchAlarm, detail: { ...cloudWatchAlarm.detail, state: { value: 'OK' } } })).toEqual(['CloudWatchAlarms']);
  });

  it('an Incident Trigger from any source matches the product rule only', () => {
    expect(rulesMatching(productTrigger)).toEqual(['ProductEvents']);
    expect(rulesMatching({ ...productTrigger, 'detail-type': 'Incident Resolve', source: 'com.example.billing' })).toEqual(['ProductEvents']);
    expect(rulesMatching({ ...productTrigger, 'detail-type': 'Incident Acknowledge' })).toEqual(['ProductEvents']);
  });

  it('other events match no rule: our own outgoing events, other AWS events, look-alikes', () => {
    expect(rulesMatching({ ...productTrigger, 'detail-type': 'Incident Created' })).toEqual([]);
    expect(rulesMatching({ ...productTrigger, 'detail-type': 'incident trigger' })).toEqual([]);
    expect(rulesMatching({ ...cloudWatchAlarm, 'detail-type': 'CloudWatch Alarm Configuration Change' })).toEqual([]);
    expect(rulesMatching({ ...cloudWatchAlarm, source: 'com.example.fake-cloudwatch' })).toEqual([]);
  });
});

/** A stream record as Lambda hands it to a function: AttributeValue maps in the wire shape. */
const streamRecord = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', entity: string) => ({
  eventID: '1a0f8726-8fb3-416c-bb1b-978438b75abd',
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  dynamodb: {
    ApproximateCreationDateTime: 1795429320,
    Keys: { pk: { S: 'ALERTKEY#payments#db-pool' }, sk: { S: 'EVENT#01JDX' } },
    ...(eventName === 'REMOVE'
      ? {}
      : { NewImage: { pk: { S: 'ALERTKEY#payments#db-pool' }, sk: { S: 'EVENT#01JDX' }, entity: { S: entity }, occurrences: { N: '1' } } }),
    ...(eventName === 'INSERT' ? {} : { OldImage: { pk: { S: 'ALERTKEY#payments#db-pool' }, sk: { S: 'EVENT#01JDX' }, entity: { S: entity } } }),
    SequenceNumber: '000000000000000000042',
    SizeBytes: 120,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
  eventSourceARN: 'arn:aws:dynamodb:ddblocal:000000000000:table/itsm-local/stream/2026-11-23T10:22:35.702',
});

describe("the stream consumers' filters (functions/routes.ts CONSUMERS)", () => {
  const filters = CONSUMERS.flatMap((consumer) =>
    consumer.source.kind === 'tableStream' ? [{ id: consumer.functionId, filter: consumer.source.filter }] : [],
  );

  it('all compile', () => {
    expect(filters.length).toBeGreaterThan(0);
    for (const { filter } of filters) expect(() => compileEventPattern(filter)).not.toThrow();
  });

  it('applyAlertEvents gets inserted alert events, nothing else', () => {
    const filter = filters.find((f) => f.id === 'applyAlertEvents')?.filter as EventPattern;
    expect(matchesEventPattern(filter, streamRecord('INSERT', 'alert-event'))).toBe(true);
    expect(matchesEventPattern(filter, streamRecord('MODIFY', 'alert-event'))).toBe(false);
    expect(matchesEventPattern(filter, streamRecord('REMOVE', 'alert-event'))).toBe(false);
    expect(matchesEventPattern(filter, streamRecord('INSERT', 'incident'))).toBe(false);
    expect(matchesEventPattern(filter, streamRecord('INSERT', 'alert-pointer'))).toBe(false);
  });
});

describe("the ingestion rules and the product's own domain events (same bus)", () => {
  const productRule = INGESTION_RULES.find((rule) => rule.id === 'ProductEvents')!;
  it('take Incident Trigger from any source but the product itself, so published events never loop back in', () => {
    const event = (source: string) => ({ source, 'detail-type': 'Incident Trigger', detail: {} });
    expect(matches(productRule.eventPattern as EventPattern, event('my.service'))).toBe(true);
    expect(matches(productRule.eventPattern as EventPattern, event('open-itsm'))).toBe(false);
    for (const rule of INGESTION_RULES) {
      expect(matches(rule.eventPattern as EventPattern, { source: 'open-itsm', 'detail-type': 'Incident Created', detail: {} }), rule.id).toBe(false);
    }
  });
});
