import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARD_GROUPS, DEFAULT_CHANGE_CONFIG } from '../../functions/changes/defaults.ts';
import { DEFAULT_RISK_RULES, validateRiskRules } from '../../functions/changes/domain/risk.ts';
import {
  blackoutListQuery,
  createBlackoutWindowBody,
  createChangeTemplateBody,
  putChangeConfigBody,
  riskRulesSchema,
} from '../../functions/changes/schemas/config.ts';

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => issue.path.join('.')).sort();

describe('change configuration schemas', () => {
  it('take the defaults as a PUT body unchanged, and the domain accepts their risk rules', () => {
    expect(putChangeConfigBody.parse(DEFAULT_CHANGE_CONFIG)).toEqual(DEFAULT_CHANGE_CONFIG);
    expect(validateRiskRules(DEFAULT_CHANGE_CONFIG.riskRules)).toEqual([]);
    expect(DEFAULT_BOARD_GROUPS.map((g) => g.name)).toEqual([
      DEFAULT_CHANGE_CONFIG.cabGroup,
      DEFAULT_CHANGE_CONFIG.emergencyGroup,
      DEFAULT_CHANGE_CONFIG.changeManagersGroup,
    ]);
  });

  it('describe every member of RiskRules, and nothing else', () => {
    expect(riskRulesSchema.parse(DEFAULT_RISK_RULES)).toEqual(DEFAULT_RISK_RULES);
    expect(issuePaths(riskRulesSchema.safeParse({ ...DEFAULT_RISK_RULES, bonus: 1, criticality: { ...DEFAULT_RISK_RULES.criticality, extreme: 9 } }))).toEqual([
      '',
      'criticality',
    ]);
    const { levels: _levels, ...withoutLevels } = DEFAULT_RISK_RULES;
    expect(issuePaths(riskRulesSchema.safeParse(withoutLevels))).toEqual(['levels']);
  });

  it('bound the approval timing and quorum', () => {
    const body = (overrides: object) => putChangeConfigBody.safeParse({ ...DEFAULT_CHANGE_CONFIG, ...overrides });
    expect(body({ cabQuorum: 1, approvalTimeoutSeconds: 60, reminders: 0 }).success).toBe(true);
    expect(body({ approvalTimeoutSeconds: 30 * 86_400, reminders: 10 }).success).toBe(true);
    expect(issuePaths(body({ cabQuorum: 0, approvalTimeoutSeconds: 30 * 86_400 + 1, reminders: 1.5 }))).toEqual([
      'approvalTimeoutSeconds',
      'cabQuorum',
      'reminders',
    ]);
  });

  it('give templates their defaults and refuse repeated services', () => {
    const template = { name: 'restart', title: 'Restart', services: ['web'], implementationPlan: 'Restart it', backoutPlan: 'Start the old one' };
    expect(createChangeTemplateBody.parse(template)).toEqual({ ...template, configurationItems: [], outageRequired: false, active: true });
    expect(issuePaths(createChangeTemplateBody.safeParse({ ...template, services: ['web', 'db', 'web'], configurationItems: ['a', 'a'] }))).toEqual([
      'configurationItems.1',
      'services.2',
    ]);
  });

  it('take blackout instants with an offset only', () => {
    const window = { name: 'freeze', start: '2031-12-20T00:00:00+01:00', end: '2032-01-03T00:00:00Z' };
    expect(createBlackoutWindowBody.safeParse(window).success).toBe(true);
    expect(issuePaths(createBlackoutWindowBody.safeParse({ ...window, start: '2031-12-20T00:00:00', end: '2032-01-03' }))).toEqual(['end', 'start']);
    expect(blackoutListQuery.parse({})).toEqual({ limit: 25 });
  });
});
