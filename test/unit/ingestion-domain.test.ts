import { describe, expect, it } from 'vitest';
import { CHANGE_EVENT_TYPES } from '../../functions/changes/domain/events.ts';
import { CRITICALITIES, createServiceBody } from '../../functions/directory/schemas/directory.ts';
import { INCIDENT_EVENT_TYPES } from '../../functions/incidents/domain/events.ts';
import { DEFAULT_PRIORITY_MATRIX, priorityFor } from '../../functions/incidents/domain/priority.ts';
import {
  type AlertEvent,
  appendOccurrence,
  DEFAULT_SEVERITY_MAPPING,
  describeEvent,
  impactAndUrgency,
  MAX_RECENT_OCCURRENCES,
  SEVERITIES,
  titleOf,
} from '../../functions/ingestion/domain/alert-event.ts';
import { alarmHints, type BusEnvelope, busEnvelope, classifyBusEvent } from '../../functions/ingestion/domain/bus-events.ts';
import { MAX_STORABLE_DEPTH, numberFidelity, scanJson, storableValue, textWithout } from '../../functions/ingestion/domain/json-text.ts';
import { fromPagerDuty, parsePagerDutyEvent } from '../../functions/ingestion/domain/pagerduty.ts';
import { CLOUDWATCH_ALARM_DETAIL_TYPE, INGESTION_DETAIL_TYPES, INGESTION_RULES, PRODUCT_DETAIL_TYPES } from '../../functions/ingestion/rules.ts';
import { EVENT_SOURCE } from '../../functions/routes.ts';
import { compileEventPattern, type EventPattern } from '../../local/event-pattern.ts';

const KEY = 'a'.repeat(32);

/** What Prometheus Alertmanager 0.25 sends through its pagerduty_configs (Events v2). */
const alertmanagerTrigger = {
  routing_key: KEY,
  dedup_key: 'b1946ac92492d2347c6235b4d2611184',
  event_action: 'trigger',
  payload: {
    summary: '[FIRING:1] HighLatency checkout (critical)',
    source: 'client_name',
    severity: 'critical',
    custom_details: { firing: 'Labels:\n - alertname = HighLatency\n', num_firing: '1', num_resolved: '0', resolved: '' },
  },
  client: 'Alertmanager',
  client_url: 'http://alertmanager:9093/#/alerts?receiver=pagerduty',
  links: [{ href: 'http://prometheus:9090/graph', text: 'Prometheus' }],
  images: [],
};

describe('PagerDuty Events v2 parsing', () => {
  it('accepts what Alertmanager sends, extra members included', () => {
    const result = parsePagerDutyEvent({ ...alertmanagerTrigger, something_new: true });
    expect(result.ok).toBe(true);
  });

  it('maps a trigger to an alert event, keeping the raw body without its routing key', () => {
    const result = parsePagerDutyEvent({
      ...alertmanagerTrigger,
      payload: { ...alertmanagerTrigger.payload, timestamp: '2026-11-23T10:00:00.000+0100', component: 'db', group: 'prod', class: 'latency' },
    });
    if (!result.ok) throw new Error(result.errors.join());
    const event = fromPagerDuty(result.event, {
      eventId: 'e1',
      dedupKey: 'k',
      service: 'payments',
      sender: 'integration:1',
      receivedAt: '2026-11-23T09:00:00.000Z',
      body: scanJson(JSON.stringify(alertmanagerTrigger)),
    });
    expect(event).toMatchObject({
      action: 'trigger',
      severity: 'critical',
      summary: '[FIRING:1] HighLatency checkout (critical)',
      origin: 'client_name',
      component: 'db',
      group: 'prod',
      class: 'latency',
      occurredAt: '2026-11-23T09:00:00.000Z',
      client: 'Alertmanager',
      details: { num_firing: '1' },
    });
    expect(event.rawJson).not.toContain(KEY);
    expect(JSON.parse(event.rawJson)).toEqual((({ routing_key: _key, ...rest }) => rest)(alertmanagerTrigger));
  });

  it('names every invalid field', () => {
    const result = parsePagerDutyEvent({ routing_key: 'short', event_action: 'trigger', payload: { summary: '', severity: 'fatal' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    expect(text).toMatch(/routing_key/);
    expect(text).toMatch(/payload.summary/);
    expect(text).toMatch(/payload.source/);
    expect(text).toMatch(/payload.severity/);
  });

  it('requires a dedup_key to acknowledge or resolve, and a known event_action', () => {
    const ack = parsePagerDutyEvent({ routing_key: KEY, event_action: 'acknowledge' });
    expect(ack.ok).toBe(false);
    if (!ack.ok) expect(ack.errors.join()).toMatch(/dedup_key/);
    const unknown = parsePagerDutyEvent({ routing_key: KEY, event_action: 'explode', dedup_key: 'x' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.errors.join()).toMatch(/event_action/);
    expect(parsePagerDutyEvent({ routing_key: KEY, event_action: 'resolve', dedup_key: 'x' }).ok).toBe(true);
  });

  it('refuses bodies that are not objects', () => {
    for (const body of [null, [], 'x', 42]) expect(parsePagerDutyEvent(body).ok).toBe(false);
  });
});

/** As the recording function does: the envelope parsed, and its text scanned. */
const classify = (parsed: BusEnvelope, receivedAt: string) => classifyBusEvent(parsed, receivedAt, scanJson(JSON.stringify(parsed)));

const envelope = (detailType: string, source: string, detail: unknown, extra: Record<string, unknown> = {}) =>
  busEnvelope.parse({
    version: '0',
    id: 'evt-1',
    'detail-type': detailType,
    source,
    account: '111122223333',
    time: '2026-11-23T09:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...extra,
  });

describe('bus events', () => {
  it('maps the product events to trigger, acknowledge and resolve', () => {
    const trigger = classify(
      envelope('Incident Trigger', 'com.example.checkout', {
        dedupKey: 'k1',
        title: 'Checkout down',
        severity: 'error',
        service: 'payments',
        details: { region: 'eu' },
      }),
      'now',
    );
    expect(trigger).toMatchObject({
      ok: true,
      event: {
        action: 'trigger',
        dedupKey: 'k1',
        service: 'payments',
        severity: 'error',
        summary: 'Checkout down',
        sender: 'eventbridge:com.example.checkout',
        eventId: 'evt-1',
      },
    });
    expect(classify(envelope('Incident Acknowledge', 'x', { dedupKey: 'k1', service: 'payments' }), 'now')).toMatchObject({
      ok: true,
      event: { action: 'acknowledge' },
    });
    expect(classify(envelope('Incident Resolve', 'x', { dedupKey: 'k1', service: 'payments' }), 'now')).toMatchObject({
      ok: true,
      event: { action: 'resolve' },
    });
  });

  it('refuses product events that break the detail schema, saying why', () => {
    const noTitle = classify(envelope('Incident Trigger', 'x', { dedupKey: 'k', severity: 'info', service: 'payments' }), 'now');
    expect(noTitle).toMatchObject({ ok: false, reason: expect.stringMatching(/title/) });
    const extra = classify(envelope('Incident Trigger', 'x', { dedupKey: 'k', title: 't', severity: 'info', service: 'payments', colour: 'red' }), 'now');
    expect(extra.ok).toBe(false);
    const badSeverity = classify(envelope('Incident Trigger', 'x', { dedupKey: 'k', title: 't', severity: 'fatal', service: 'payments' }), 'now');
    expect(badSeverity.ok).toBe(false);
  });

  const alarm = (value: string, description?: string) =>
    envelope(
      'CloudWatch Alarm State Change',
      'aws.cloudwatch',
      {
        alarmName: 'checkout-5xx',
        state: { value, reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).', timestamp: '2026-11-23T09:00:00.000+0000' },
        previousState: { value: 'OK' },
        configuration: {
          ...(description === undefined ? {} : { description }),
          metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count' }, period: 60, stat: 'Sum' } }],
        },
      },
      { resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx'] },
    );

  it('maps CloudWatch ALARM to trigger, OK to resolve, INSUFFICIENT_DATA to record, keyed by the alarm ARN', () => {
    const triggered = classify(alarm('ALARM', 'Checkout errors itsm:service=payments itsm:severity=error'), 'now');
    expect(triggered).toMatchObject({
      ok: true,
      event: {
        action: 'trigger',
        dedupKey: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx',
        service: 'payments',
        severity: 'error',
        summary: 'checkout-5xx is in ALARM',
        details: { alarmName: 'checkout-5xx', reason: expect.stringMatching(/Threshold Crossed/), metrics: [expect.objectContaining({ id: 'm1' })] },
      },
    });
    expect(classify(alarm('OK'), 'now')).toMatchObject({ ok: true, event: { action: 'resolve', severity: 'critical' } });
    expect(classify(alarm('INSUFFICIENT_DATA'), 'now')).toMatchObject({ ok: true, event: { action: 'record' } });
  });

  it('reads routing hints from the alarm description only when well-formed', () => {
    expect(alarmHints(undefined)).toEqual({ severity: 'critical' });
    expect(alarmHints('itsm:service=Payments itsm:severity=loud')).toEqual({ severity: 'critical' });
    expect(alarmHints('x itsm:service=vpn y itsm:severity=warning')).toEqual({ service: 'vpn', severity: 'warning' });
  });

  it('refuses events no rule handles', () => {
    expect(classify(envelope('EC2 Instance State-change Notification', 'aws.ec2', {}), 'now').ok).toBe(false);
  });

  it("refuses every event carrying the product's own source, even if a rule let it through", () => {
    const forged = classify(envelope('Incident Trigger', EVENT_SOURCE, { dedupKey: 'k', title: 't', severity: 'critical', service: 'payments' }), 'now');
    expect(forged).toMatchObject({ ok: false, reason: expect.stringMatching(/source/) });
  });
});

describe('the ingestion rules and the product domain events', () => {
  const DOMAIN_TYPES = [...INCIDENT_EVENT_TYPES, ...CHANGE_EVENT_TYPES];
  const rules = INGESTION_RULES.map((rule) => ({ id: rule.id, matches: compileEventPattern(rule.eventPattern as EventPattern) }));
  const event = (source: string, detailType: string) => ({
    version: '0',
    id: 'e',
    source,
    'detail-type': detailType,
    account: '111122223333',
    region: 'eu-west-1',
    time: '2026-11-23T09:00:00Z',
    resources: [],
    detail: {},
  });

  it('no ingestion rule takes a domain event type, from any source', () => {
    for (const source of [EVENT_SOURCE, 'com.example.checkout', 'aws.cloudwatch']) {
      for (const type of DOMAIN_TYPES)
        expect(
          rules.filter((r) => r.matches(event(source, type))).map((r) => r.id),
          `${source} ${type}`,
        ).toEqual([]);
    }
  });

  it("no ingestion rule takes anything from the product's own source", () => {
    for (const type of [...PRODUCT_DETAIL_TYPES, CLOUDWATCH_ALARM_DETAIL_TYPE]) {
      expect(
        rules.filter((r) => r.matches(event(EVENT_SOURCE, type))).map((r) => r.id),
        type,
      ).toEqual([]);
    }
  });

  it('the detail-types senders may put never overlap the domain event types', () => {
    expect(INGESTION_DETAIL_TYPES.filter((type) => (DOMAIN_TYPES as readonly string[]).includes(type))).toEqual([]);
    expect([...INGESTION_DETAIL_TYPES].sort()).toEqual([...PRODUCT_DETAIL_TYPES, CLOUDWATCH_ALARM_DETAIL_TYPE].sort());
  });
});

describe('severity mapping', () => {
  it('defaults to critical P1, error P2, warning P3, info P4 with the default matrix', () => {
    const priorities = SEVERITIES.map((severity) => {
      const { impact, urgency } = impactAndUrgency(severity, undefined);
      return priorityFor(DEFAULT_PRIORITY_MATRIX, impact, urgency);
    });
    expect(priorities).toEqual(['P1', 'P2', 'P3', 'P4']);
  });

  it('takes a service override per severity and the default for the others', () => {
    const mapping = { warning: { impact: 1 as const, urgency: 1 as const } };
    expect(impactAndUrgency('warning', mapping)).toEqual({ impact: 1, urgency: 1 });
    expect(impactAndUrgency('info', mapping)).toEqual(DEFAULT_SEVERITY_MAPPING.info);
  });

  it('is configurable on a service for exactly the severities events carry', () => {
    const parsed = createServiceBody.safeParse({
      name: 'x',
      ownerGroup: 'g',
      criticality: CRITICALITIES[0],
      severityMapping: { critical: { impact: 2, urgency: 1 } },
    });
    expect(parsed.success).toBe(true);
    const keys = Object.keys(createServiceBody.shape.severityMapping.unwrap().shape);
    expect(keys).toEqual([...SEVERITIES]);
  });
});

describe('incident text from events', () => {
  const event: AlertEvent = {
    eventId: 'e',
    source: 'pagerduty',
    action: 'trigger',
    dedupKey: 'k',
    sender: 'integration:1',
    receivedAt: 'now',
    rawJson: '{}',
    summary: 'x'.repeat(300),
    severity: 'error',
    origin: 'web-1',
    details: { a: 1 },
    links: [{ href: 'https://runbook', text: 'Runbook' }],
  };

  it('keeps titles within 200 characters', () => {
    expect(titleOf(event)).toHaveLength(200);
    expect(titleOf({ ...event, summary: 'Disk full' })).toBe('Disk full');
  });

  it('writes a readable description with the facts, details and links', () => {
    const text = describeEvent({ ...event, summary: 'Disk full' });
    expect(text).toContain('Source: web-1');
    expect(text).toContain('"a": 1');
    expect(text).toContain('Runbook: https://runbook');
  });

  it('bounds the log of recent occurrences, newest last', () => {
    let recent: ReturnType<typeof appendOccurrence> = [];
    for (let i = 0; i < 30; i++) recent = appendOccurrence(recent, { eventId: String(i), at: 'now', action: 'trigger' });
    expect(recent).toHaveLength(MAX_RECENT_OCCURRENCES);
    expect(recent.at(-1)?.eventId).toBe('29');
    expect(recent[0]?.eventId).toBe('10');
  });
});

describe('JSON text read without loss', () => {
  it('accepts and refuses exactly what JSON.parse does', () => {
    const valid = [
      '{}',
      '[]',
      '0',
      '-0.5e-3',
      '"a\\u00e9\\n"',
      ' {"a":[1,true,null,{"b":""}]} ',
      '{"a":1,"a":2}',
      '{"":1}',
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
    ];
    for (const text of valid) expect(() => scanJson(text), text.slice(0, 20)).not.toThrow();
    const invalid = ['', '{', '[1,]', '{"a":1,}', '01', '1.', '.5', '+1', "'a'", '"\u0001"', '"\\x"', '{"a" 1}', '[1 2]', 'nul', '{} {}', 'NaN'];
    for (const text of invalid) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(() => scanJson(text), text).toThrow(SyntaxError);
    }
  });

  it('tells numbers a double holds exactly from those it does not, and those DynamoDB stores', () => {
    expect(numberFidelity('1.5')).toEqual({ faithful: true, storable: true });
    expect(numberFidelity('1.50e0')).toEqual({ faithful: true, storable: true });
    expect(numberFidelity('9007199254740991')).toEqual({ faithful: true, storable: true });
    expect(numberFidelity('12345678901234567890')).toEqual({ faithful: false, storable: false });
    expect(numberFidelity('1e400')).toEqual({ faithful: false, storable: false });
    expect(numberFidelity('1e-400')).toEqual({ faithful: false, storable: false });
    expect(numberFidelity('0.10000000000000000001')).toEqual({ faithful: false, storable: false });
    // A double holds them, DynamoDB (or the document client) does not.
    expect(numberFidelity('1e300')).toEqual({ faithful: true, storable: false });
    expect(numberFidelity('1e-200')).toEqual({ faithful: true, storable: false });
    expect(numberFidelity('1e-130')).toEqual({ faithful: true, storable: true });
  });

  it('says per value whether a DynamoDB map holds it, and keeps every value as sent', () => {
    const scanned = scanJson('{"routing_key":"k","a":{"n":1e400},"b":{"":1},"c":{"ok":[1,"x"]},"d":{"x":1,"x":2}}');
    const member = (key: string) => scanned.root.members!.get(key)!;
    expect(member('a')).toMatchObject({ faithful: false, storable: false });
    expect(member('b')).toMatchObject({ faithful: true, storable: false });
    expect(member('c')).toMatchObject({ faithful: true, storable: true, depth: 2 });
    expect(member('d')).toMatchObject({ faithful: false, storable: false });
    expect(scanned.text.slice(member('a').start, member('a').end)).toBe('{"n":1e400}');
    expect(textWithout(scanned, scanned.root, ['routing_key'])).toBe('{"a":{"n":1e400},"b":{"":1},"c":{"ok":[1,"x"]},"d":{"x":1,"x":2}}');
  });

  it('bounds the nesting of what it calls storable at the depth DynamoDB takes', () => {
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    expect(scanJson(nested(MAX_STORABLE_DEPTH)).root.storable).toBe(true);
    expect(scanJson(nested(MAX_STORABLE_DEPTH + 1)).root.storable).toBe(false);
    expect(storableValue(JSON.parse(nested(MAX_STORABLE_DEPTH)))).toBe(true);
    expect(storableValue(JSON.parse(nested(MAX_STORABLE_DEPTH + 1)))).toBe(false);
    expect(storableValue({ '': 1 })).toBe(false);
    expect(storableValue({ n: Number.POSITIVE_INFINITY })).toBe(false);
  });

  it('keeps custom_details DynamoDB cannot hold as their text, and the others as a map', () => {
    const text = (details: string) =>
      `{"routing_key":"${KEY}","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","custom_details":${details}}}`;
    const map = (details: string) => {
      const body = scanJson(text(details));
      const parsed = parsePagerDutyEvent(JSON.parse(text(details)));
      if (!parsed.ok) throw new Error(parsed.errors.join());
      return fromPagerDuty(parsed.event, { eventId: 'e', dedupKey: 'k', service: 's', sender: 'i', receivedAt: '2026-11-23T09:00:00.000Z', body });
    };
    expect(map('{"n":1}')).toMatchObject({ details: { n: 1 } });
    expect(map('{"n":1}').detailsJson).toBeUndefined();
    const lossy = map('{"n":12345678901234567890}');
    expect(lossy.details).toBeUndefined();
    expect(lossy.detailsJson).toBe('{"n":12345678901234567890}');
    expect(lossy.rawJson).toContain('12345678901234567890');
    expect(describeEvent(lossy)).toContain('12345678901234567890');
  });
});
