import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIORITIES, type Priority } from '../../functions/shared/domain/priority.ts';
import { selectPolicy } from '../../functions/sla/domain/policy.ts';
import type { SlaPolicy } from '../../functions/sla/domain/types.ts';

const policy = (name: string, appliesTo: SlaPolicy['appliesTo'], targets: SlaPolicy['targets'] = { response: 'PT1H', resolution: 'PT8H' }): SlaPolicy => ({
  name,
  appliesTo,
  targets,
  calendar: '24x7',
  pauseOn: ['on_hold'],
  warnings: [50, 75],
});

const fallback = policy('fallback', {});
const p1 = policy('p1', { priority: ['P1'] });
const urgent = policy('urgent', { priority: ['P1', 'P2'] });
const network = policy('network', { category: 'network' });
const networkP1 = policy('network-p1', { category: 'network', priority: ['P1'] });
const payroll = policy('payroll', { service: 'payroll' });
const payrollResolutionOnly = policy('payroll-resolution', { service: 'payroll', category: 'network' }, { resolution: 'PT2H' });
const all = [fallback, p1, urgent, network, networkP1, payroll, payrollResolutionOnly];

const names = (clock: 'response' | 'resolution', incident: Parameters<typeof selectPolicy>[1], policies = all) => selectPolicy(policies, incident, clock)?.name;

describe('selectPolicy', () => {
  it('falls back to a policy naming no criterion', () => {
    expect(names('resolution', { priority: 'P4' })).toBe('fallback');
    expect(names('resolution', { priority: 'P4' }, [p1, network])).toBeUndefined();
  });

  it('requires every named criterion to match', () => {
    expect(names('resolution', { priority: 'P2', category: 'network' })).toBe('network');
    expect(names('resolution', { priority: 'P2', service: 'mail' })).toBe('urgent');
  });

  it('prefers service over category over priority, and adds them up', () => {
    expect(names('resolution', { priority: 'P1' })).toBe('p1');
    expect(names('resolution', { priority: 'P1', category: 'network' })).toBe('network-p1');
    expect(names('resolution', { priority: 'P1', category: 'network', service: 'payroll' })).toBe('payroll-resolution');
    // A service policy (4) beats category + priority (3).
    expect(names('resolution', { priority: 'P1', category: 'network', service: 'payroll' }, [networkP1, payroll])).toBe('payroll');
    expect(names('resolution', { priority: 'P1', category: 'network' }, [p1, network])).toBe('network');
  });

  it('only considers policies with a target for the clock', () => {
    expect(names('response', { priority: 'P1', category: 'network', service: 'payroll' })).toBe('payroll');
  });

  it('breaks ties by name, whatever the order of the policies', () => {
    const b = policy('b-priority', { priority: ['P3'] });
    const a = policy('a-priority', { priority: ['P3', 'P4'] });
    expect(names('resolution', { priority: 'P3' }, [b, a])).toBe('a-priority');
    expect(names('resolution', { priority: 'P3' }, [a, b])).toBe('a-priority');
  });

  it('reads an empty priority list as naming no priority', () => {
    expect(names('resolution', { priority: 'P4' }, [policy('any', { priority: [] })])).toBe('any');
  });
});

// Properties against a literal reading of the rule, over small random policy sets.
const services = [undefined, 'payroll', 'mail'] as const;
const categories = [undefined, 'network', 'hardware'] as const;
const policyArb = fc
  .record({
    name: fc.constantFrom('alpha', 'bravo', 'charlie', 'delta', 'echo'),
    priority: fc.option(fc.subarray([...PRIORITIES], { minLength: 1 }), { nil: undefined }),
    service: fc.constantFrom(...services),
    category: fc.constantFrom(...categories),
    response: fc.boolean(),
  })
  .map(({ name, priority, service, category, response }) =>
    policy(
      name,
      { ...(priority && { priority }), ...(service && { service }), ...(category && { category }) },
      response ? { response: 'PT1H', resolution: 'PT4H' } : { resolution: 'PT4H' },
    ),
  );
const incidentArb = fc
  .record({
    priority: fc.constantFrom<Priority>(...PRIORITIES),
    service: fc.constantFrom(...services),
    category: fc.constantFrom(...categories),
  })
  .map(({ priority, service, category }) => ({ priority, ...(service && { service }), ...(category && { category }) }));

function matches(candidate: SlaPolicy, incident: { priority: Priority; service?: string; category?: string }): boolean {
  const { priority, service, category } = candidate.appliesTo;
  return (
    (priority === undefined || priority.includes(incident.priority)) &&
    (service === undefined || service === incident.service) &&
    (category === undefined || category === incident.category)
  );
}
const score = (candidate: SlaPolicy) =>
  (candidate.appliesTo.service === undefined ? 0 : 4) +
  (candidate.appliesTo.category === undefined ? 0 : 2) +
  (candidate.appliesTo.priority === undefined ? 0 : 1);

describe('selectPolicy properties', () => {
  it('picks a matching policy with a target that no other candidate outranks', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { maxLength: 8 }),
        incidentArb,
        fc.constantFrom('response' as const, 'resolution' as const),
        (policies, incident, clock) => {
          const candidates = policies.filter((candidate) => candidate.targets[clock] !== undefined && matches(candidate, incident));
          const chosen = selectPolicy(policies, incident, clock);
          if (candidates.length === 0) {
            expect(chosen).toBeUndefined();
            return;
          }
          expect(candidates).toContain(chosen);
          for (const other of candidates) {
            expect(score(other) < score(chosen!) || (score(other) === score(chosen!) && other.name >= chosen!.name)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order policies are listed in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(policyArb, { maxLength: 8, selector: (candidate) => candidate.name }),
        incidentArb,
        fc.func(fc.integer()),
        (policies, incident, key) => {
          const shuffled = [...policies].sort((a, b) => key(a.name) - key(b.name));
          expect(selectPolicy(shuffled, incident, 'resolution')).toBe(selectPolicy(policies, incident, 'resolution'));
        },
      ),
      { numRuns: 100 },
    );
  });
});
