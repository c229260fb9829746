import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assessRisk,
  CRITICALITIES,
  type Criticality,
  DEFAULT_RISK_RULES,
  impactedServicesOf,
  levelFor,
  type RiskInput,
  type RiskRules,
  validateRiskRules,
} from '../../functions/changes/domain/risk.ts';

const base: RiskInput = {
  type: 'normal',
  services: [{ name: 'payments', criticality: 'low' }],
  configurationItems: [],
  outageRequired: false,
  conflictCount: 0,
  history: { total: 0, failed: 0 },
};

const rules = (change: (r: RiskRules) => void): RiskRules => {
  const copy = structuredClone(DEFAULT_RISK_RULES);
  change(copy);
  return copy;
};

describe('assessRisk: rules and reasons', () => {
  it('a low-criticality single-service change scores nothing and says nothing', () => {
    expect(assessRisk(base)).toEqual({ level: 'low', score: 0, reasons: [] });
  });

  it.each([
    ['low', 0],
    ['medium', 1],
    ['high', 2],
    ['critical', 3],
  ] as [Criticality, number][])('a %s service scores %i', (criticality, points) => {
    const result = assessRisk({ ...base, services: [{ name: 'payments', criticality }] });
    expect(result.score).toBe(points);
    expect(result.reasons).toEqual(points === 0 ? [] : [`service payments is ${criticality} (+${points})`]);
  });

  it('only the most critical service counts, ties going to the first name', () => {
    const services = [
      { name: 'web', criticality: 'high' },
      { name: 'payments', criticality: 'critical' },
      { name: 'billing', criticality: 'critical' },
    ] as const;
    const result = assessRisk({ ...base, services: [...services] });
    expect(result.reasons[0]).toBe('service billing is critical (+3)');
    expect(result.score).toBe(3 + 2);
  });

  it('scores each extra distinct service, capped', () => {
    const svc = (name: string) => ({ name, criticality: 'low' as const });
    expect(assessRisk({ ...base, services: [svc('a'), svc('b')] }).reasons).toEqual(['1 more affected service (+1)']);
    expect(assessRisk({ ...base, services: [svc('a'), svc('b'), svc('c'), svc('d')] }).reasons).toEqual(['3 more affected services (+3)']);
    expect(assessRisk({ ...base, services: [svc('a'), svc('b'), svc('c'), svc('d'), svc('e'), svc('f')] })).toEqual({
      level: 'medium',
      score: 3,
      reasons: ['5 more affected services, capped (+3)'],
    });
    expect(assessRisk({ ...base, services: [svc('a'), svc('a')] }).score).toBe(0);
  });

  it('scores no services at all as nothing', () => {
    expect(assessRisk({ ...base, services: [] })).toEqual({ level: 'low', score: 0, reasons: [] });
  });

  it('scores configuration items only above the threshold, counting distinct ones', () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => `ci-${i}`);
    expect(assessRisk({ ...base, configurationItems: items(5) }).score).toBe(0);
    expect(assessRisk({ ...base, configurationItems: [...items(5), 'ci-0'] }).score).toBe(0);
    expect(assessRisk({ ...base, configurationItems: items(6) }).reasons).toEqual(['6 configuration items affected, more than 5 (+1)']);
  });

  it('scores the services a change reaches (its own and those downstream of its CIs) only above the threshold, counting distinct ones', () => {
    expect(assessRisk({ ...base, impactedServices: ['payments', 'email'] }).score).toBe(0);
    expect(assessRisk({ ...base, impactedServices: ['payments', 'email', 'email'] }).score).toBe(0);
    expect(assessRisk({ ...base, impactedServices: ['email', 'payments', 'vpn'] }).reasons).toEqual([
      '3 services impacted (email, payments, vpn), more than 2 (+1)',
    ]);
    const many = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    expect(assessRisk({ ...base, impactedServices: many }).reasons).toEqual([
      '8 services impacted (svc-0, svc-1, svc-2, svc-3, svc-4 and 3 more), more than 2 (+1)',
    ]);
    // Not computed (no impact analysis): the rule does not score.
    expect(assessRisk({ ...base, services: ['a', 'b', 'c', 'd'].map((name) => ({ name, criticality: 'low' as const })) }).reasons).toEqual([
      '3 more affected services (+3)',
    ]);
    const r = rules((x) => (x.impactedServices = { moreThan: 0, points: 4 }));
    expect(assessRisk({ ...base, impactedServices: ['payments'] }, r)).toEqual({
      level: 'medium',
      score: 4,
      reasons: ['1 service impacted (payments), more than 0 (+4)'],
    });
  });

  it('impactedServicesOf: own services and downstream ones, each once, sorted', () => {
    expect(impactedServicesOf(['vpn', 'email'], ['payments', 'email'])).toEqual(['email', 'payments', 'vpn']);
    expect(impactedServicesOf([], [])).toEqual([]);
  });

  it('scores an outage and an emergency', () => {
    expect(assessRisk({ ...base, outageRequired: true }).reasons).toEqual(['outage required (+2)']);
    expect(assessRisk({ ...base, type: 'emergency' }).reasons).toEqual(['emergency change (+2)']);
    expect(assessRisk({ ...base, type: 'standard' }).score).toBe(0);
  });

  it('scores conflicts, capped', () => {
    expect(assessRisk({ ...base, conflictCount: 1 }).reasons).toEqual(['1 scheduling conflict (+2)']);
    expect(assessRisk({ ...base, conflictCount: 2 }).reasons).toEqual(['2 scheduling conflicts (+4)']);
    expect(assessRisk({ ...base, conflictCount: 5 }).reasons).toEqual(['5 scheduling conflicts, capped (+4)']);
  });

  it.each([
    [2, 1, 0, []], // too few past changes to judge
    [3, 0, 0, []],
    [10, 1, 0, []],
    [10, 2, 1, ['2 of 10 past changes on these services failed (20%) (+1)']],
    [10, 3, 1, ['3 of 10 past changes on these services failed (30%) (+1)']],
    [5, 2, 3, ['2 of 5 past changes on these services failed (40%) (+3)']],
    [3, 3, 3, ['3 of 3 past changes on these services failed (100%) (+3)']],
  ] as [number, number, number, string[]][])('history %i changes, %i failed -> +%i', (total, failed, points, reasons) => {
    const result = assessRisk({ ...base, history: { total, failed } });
    expect(result.score).toBe(points);
    expect(result.reasons).toEqual(reasons);
  });

  it('a custom minimum of zero past changes still never divides by zero', () => {
    const r = rules((x) => (x.failureRate.minChanges = 0));
    expect(assessRisk({ ...base, history: { total: 0, failed: 0 } }, r).score).toBe(0);
  });

  it('picks the highest band reached whatever order the bands are stored in', () => {
    const r = rules((x) => x.failureRate.bands.reverse());
    expect(assessRisk({ ...base, history: { total: 5, failed: 2 } }, r).score).toBe(3);
  });

  it('adds everything up, in a fixed reason order, with levels at 3 and 6', () => {
    const result = assessRisk({
      type: 'emergency',
      services: [
        { name: 'payments', criticality: 'critical' },
        { name: 'web', criticality: 'medium' },
      ],
      configurationItems: ['a', 'b', 'c', 'd', 'e', 'f'],
      outageRequired: true,
      conflictCount: 1,
      history: { total: 4, failed: 2 },
    });
    expect(result).toEqual({
      level: 'high',
      score: 3 + 1 + 1 + 2 + 2 + 2 + 3,
      reasons: [
        'service payments is critical (+3)',
        '1 more affected service (+1)',
        '6 configuration items affected, more than 5 (+1)',
        'outage required (+2)',
        'emergency change (+2)',
        '1 scheduling conflict (+2)',
        '2 of 4 past changes on these services failed (50%) (+3)',
      ],
    });
  });

  it.each([
    [0, 'low'],
    [2, 'low'],
    [3, 'medium'],
    [5, 'medium'],
    [6, 'high'],
    [20, 'high'],
  ] as const)('score %i is %s', (score, level) => {
    expect(levelFor(score)).toBe(level);
  });

  it('uses custom rules', () => {
    const r = rules((x) => {
      x.outage = 5;
      x.levels = { medium: 1, high: 5 };
    });
    expect(assessRisk({ ...base, outageRequired: true }, r)).toEqual({ level: 'high', score: 5, reasons: ['outage required (+5)'] });
  });
});

describe('validateRiskRules', () => {
  it('accepts the defaults', () => {
    expect(validateRiskRules(DEFAULT_RISK_RULES)).toEqual([]);
  });

  it('reports each bad value with its path', () => {
    const r = rules((x) => {
      x.criticality.high = -1;
      x.extraServices.maxPoints = 1.5;
      x.impactedServices.moreThan = -3;
      x.conflicts.pointsEach = Number.NaN;
      x.failureRate.bands = [
        { atLeast: 0.2, points: 1 },
        { atLeast: 1.2, points: 1 },
        { atLeast: 0.2, points: -2 },
      ];
      x.levels = { medium: 6, high: 6 };
    });
    expect(validateRiskRules(r).map((p) => p.path)).toEqual([
      ['criticality', 'high'],
      ['extraServices', 'maxPoints'],
      ['impactedServices', 'moreThan'],
      ['conflicts', 'pointsEach'],
      ['failureRate', 'bands', 1, 'atLeast'],
      ['failureRate', 'bands', 2, 'atLeast'],
      ['failureRate', 'bands', 2, 'points'],
      ['levels'],
    ]);
    expect(validateRiskRules(r).at(-1)?.message).toBe('medium (6) must be below high (6)');
  });
});

describe('assessRisk: properties', () => {
  const input = fc.record({
    type: fc.constantFrom('standard', 'normal', 'emergency'),
    services: fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), criticality: fc.constantFrom(...CRITICALITIES) }), { maxLength: 6 }),
    configurationItems: fc.array(fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8'), { maxLength: 10 }),
    impactedServices: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 }),
    outageRequired: fc.boolean(),
    conflictCount: fc.nat(6),
    history: fc.nat(20).chain((total) => fc.record({ total: fc.constant(total), failed: fc.nat(total) })),
  });

  it('adding a conflict never lowers the score or the level', () => {
    const rank = { low: 0, medium: 1, high: 2 };
    fc.assert(
      fc.property(input, (change) => {
        const before = assessRisk(change);
        const after = assessRisk({ ...change, conflictCount: change.conflictCount + 1 });
        expect(after.score).toBeGreaterThanOrEqual(before.score);
        expect(rank[after.level]).toBeGreaterThanOrEqual(rank[before.level]);
      }),
      { numRuns: 200 },
    );
  });

  it('the level is monotone in the score', () => {
    const rank = { low: 0, medium: 1, high: 2 };
    fc.assert(
      fc.property(fc.nat(30), fc.nat(30), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(rank[levelFor(low)]).toBeLessThanOrEqual(rank[levelFor(high)]);
      }),
      { numRuns: 200 },
    );
  });

  it('the score is the sum of the points in the reasons, and the level follows it', () => {
    fc.assert(
      fc.property(input, (change) => {
        const { score, level, reasons } = assessRisk(change);
        const sum = reasons.reduce((total, reason) => total + Number(/\(\+(\d+)\)$/.exec(reason)?.[1]), 0);
        expect(sum).toBe(score);
        expect(level).toBe(levelFor(score));
      }),
      { numRuns: 200 },
    );
  });
});
