import { describe, expect, it } from 'vitest';
import {
  type KnownError,
  type KnownErrorSource,
  keysOfKnownError,
  matchKeysOf,
  publishedKnownError,
  rankMatches,
} from '../../functions/known-errors/domain/known-error.ts';

const problem = (fields: Partial<KnownErrorSource> = {}): KnownErrorSource => ({
  id: '01JPROBLEM0000000000000001',
  number: 'PRB0001001',
  title: 'VPN drops every hour',
  status: 'root_cause_analysis',
  updatedAt: '2026-12-01T10:00:00.000Z',
  knownError: true,
  knownErrorPublishedAt: '2026-12-01T09:00:00.000Z',
  workaround: 'Reconnect with the backup gateway',
  service: 'vpn',
  configurationItem: 'GW-01',
  category: 'Network',
  ...fields,
});

describe('publishedKnownError: when a problem publishes a known error', () => {
  it('publishes one with knownError and a workaround, showing what agents need', () => {
    expect(publishedKnownError(problem())).toEqual({
      problemId: '01JPROBLEM0000000000000001',
      number: 'PRB0001001',
      title: 'VPN drops every hour',
      workaround: 'Reconnect with the backup gateway',
      service: 'vpn',
      configurationItem: 'GW-01',
      category: 'Network',
      publishedAt: '2026-12-01T09:00:00.000Z',
    });
  });

  it('publishes none without knownError or without a workaround (blank counts as none)', () => {
    expect(publishedKnownError(problem({ knownError: false }))).toBeUndefined();
    expect(publishedKnownError(problem({ workaround: undefined }))).toBeUndefined();
    expect(publishedKnownError(problem({ workaround: '   ' }))).toBeUndefined();
  });

  it('withdraws it when the problem is canceled, or resolved as a duplicate or canceled', () => {
    expect(publishedKnownError(problem({ status: 'canceled' }))).toBeUndefined();
    expect(publishedKnownError(problem({ status: 'resolved', resolution: { code: 'duplicate' } }))).toBeUndefined();
    expect(publishedKnownError(problem({ status: 'resolved', resolution: { code: 'canceled' } }))).toBeUndefined();
    expect(publishedKnownError(problem({ status: 'closed', resolution: { code: 'duplicate' } }))).toBeUndefined();
  });

  it('keeps it while a fix is verified, retires it once the fixed problem is closed; an accepted risk keeps it for good', () => {
    expect(publishedKnownError(problem({ status: 'resolved', resolution: { code: 'fix_applied' } }))).toBeDefined();
    expect(publishedKnownError(problem({ status: 'closed', resolution: { code: 'fix_applied' } }))).toBeUndefined();
    expect(publishedKnownError(problem({ status: 'resolved', resolution: { code: 'risk_accepted' } }))).toBeDefined();
    expect(publishedKnownError(problem({ status: 'closed', resolution: { code: 'risk_accepted' } }))).toBeDefined();
  });

  it('dates it by its publication, or by the last update when the problem has no publication time', () => {
    expect(publishedKnownError(problem({ knownErrorPublishedAt: undefined }))?.publishedAt).toBe('2026-12-01T10:00:00.000Z');
  });
});

describe('match keys', () => {
  it('free-text fields match whatever their case and surrounding spaces; services as they are', () => {
    expect(matchKeysOf({ configurationItem: ' GW-01 ', service: 'vpn', category: 'NetWork' })).toEqual([
      { field: 'configurationItem', key: 'CI#gw-01' },
      { field: 'service', key: 'SERVICE#vpn' },
      { field: 'category', key: 'CATEGORY#network' },
    ]);
  });

  it('configuration items by id come first, one key each, exact and apart from the free text of old records', () => {
    expect(
      matchKeysOf({ configurationItems: ['01JCI00000000000000000000A', 'payments', '01JCI00000000000000000000A'], configurationItem: 'payments' }),
    ).toEqual([
      { field: 'configurationItems', key: 'CIID#01JCI00000000000000000000A' },
      { field: 'configurationItems', key: 'CIID#payments' },
      { field: 'configurationItem', key: 'CI#payments' },
    ]);
    const knownError = publishedKnownError(problem({ configurationItems: ['01JCI00000000000000000000A'], configurationItem: undefined }));
    expect(knownError?.configurationItems).toEqual(['01JCI00000000000000000000A']);
    expect(keysOfKnownError(knownError as KnownError)).toEqual(['ALL', 'CIID#01JCI00000000000000000000A', 'SERVICE#vpn', 'CATEGORY#network']);
    expect(publishedKnownError(problem({ configurationItems: [] }))).not.toHaveProperty('configurationItems');
  });

  it('fields not set (or blank) give no key', () => {
    expect(matchKeysOf({ service: 'vpn', category: '  ' })).toEqual([{ field: 'service', key: 'SERVICE#vpn' }]);
    expect(matchKeysOf({})).toEqual([]);
  });

  it('a known error is found under every key of its fields, and in the list of all', () => {
    const knownError = publishedKnownError(problem({ category: undefined })) as KnownError;
    expect(keysOfKnownError(knownError)).toEqual(['ALL', 'CI#gw-01', 'SERVICE#vpn']);
  });
});

describe('rankMatches: an incident answer', () => {
  const known = (n: number, publishedAt: string): KnownError => ({
    problemId: `P${n}`,
    number: `PRB000100${n}`,
    title: `problem ${n}`,
    workaround: 'w',
    publishedAt,
  });
  const day = (d: number) => `2026-12-0${d}T00:00:00.000Z`;

  it('lists configuration item matches first, then service, then category, each newest first', () => {
    const ranked = rankMatches([
      { field: 'category', knownErrors: [known(5, day(9))] },
      { field: 'service', knownErrors: [known(3, day(2)), known(4, day(3))] },
      { field: 'configurationItem', knownErrors: [known(1, day(1)), known(2, day(4))] },
    ]);
    expect(ranked.map((m) => [m.problemId, m.matchedOn])).toEqual([
      ['P2', 'configurationItem'],
      ['P1', 'configurationItem'],
      ['P4', 'service'],
      ['P3', 'service'],
      ['P5', 'category'],
    ]);
  });

  it('lists a problem once, under its most specific match, and at most 5', () => {
    const ranked = rankMatches([
      { field: 'configurationItem', knownErrors: [known(1, day(1))] },
      { field: 'service', knownErrors: [known(1, day(1)), known(2, day(2)), known(3, day(3))] },
      { field: 'category', knownErrors: [known(2, day(2)), known(4, day(4)), known(5, day(5)), known(6, day(6)), known(7, day(7))] },
    ]);
    expect(ranked.map((m) => [m.problemId, m.matchedOn])).toEqual([
      ['P1', 'configurationItem'],
      ['P3', 'service'],
      ['P2', 'service'],
      ['P7', 'category'],
      ['P6', 'category'],
    ]);
  });

  it('answers nothing when nothing matches', () => {
    expect(rankMatches([])).toEqual([]);
    expect(rankMatches([{ field: 'service', knownErrors: [] }])).toEqual([]);
  });
});
