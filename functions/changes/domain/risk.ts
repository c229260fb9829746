/*
 * How risky a change request is, as a score of points and the level the score falls in.
 *
 * Each rule adds points and, when it adds any, one reason a reviewer can read on the change
 * ("service payments is critical (+3)"), so the level is never a verdict without an explanation.
 * The rules are data (RiskRules) rather than code so that admins can tune them per deployment;
 * DEFAULT_RISK_RULES is what a deployment gets before anyone does.
 *
 *  - criticality: points for the most critical affected service (only the highest counts, since one
 *    critical service already makes the change critical and more of them are the next rule's business);
 *  - extraServices: points for every distinct affected service beyond the first, up to maxPoints;
 *  - configurationItems: points once the distinct affected items are more than `moreThan`;
 *  - impactedServices: points once the distinct services the change reaches are more than `moreThan`:
 *    its own services and those downstream of its configuration items (the CMDB's impact analysis,
 *    depth 3), since a change on a table that three services use is as wide as one naming them;
 *  - outage, emergency: points when the change needs an outage, when it is an emergency change;
 *  - conflicts: points per scheduling conflict (see conflicts.ts), up to maxPoints;
 *  - failureRate: points for the share of past changes on the same services that failed. Only the
 *    highest band reached counts, and only with at least minChanges past changes, since one failure
 *    out of two says little about a service;
 *  - levels: a score of at least `high` is high, at least `medium` is medium, anything less is low.
 *
 * Points are integers so a score is exact and reads well in reasons; the failure bands are fractions.
 */

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskRules {
  criticality: Record<Criticality, number>;
  extraServices: { pointsEach: number; maxPoints: number };
  configurationItems: { moreThan: number; points: number };
  impactedServices: { moreThan: number; points: number };
  outage: number;
  emergency: number;
  conflicts: { pointsEach: number; maxPoints: number };
  failureRate: { minChanges: number; bands: { atLeast: number; points: number }[] };
  levels: { medium: number; high: number };
}

export const DEFAULT_RISK_RULES: RiskRules = {
  criticality: { low: 0, medium: 1, high: 2, critical: 3 },
  extraServices: { pointsEach: 1, maxPoints: 3 },
  configurationItems: { moreThan: 5, points: 1 },
  // One point for breadth, like configurationItems: more than two services reached is a wide change.
  impactedServices: { moreThan: 2, points: 1 },
  outage: 2,
  emergency: 2,
  conflicts: { pointsEach: 2, maxPoints: 4 },
  failureRate: {
    minChanges: 3,
    bands: [
      { atLeast: 0.2, points: 1 },
      { atLeast: 0.4, points: 3 },
    ],
  },
  levels: { medium: 3, high: 6 },
};

export interface RiskInput {
  /** The change type; only `emergency` scores, so any type names the other helpers use fit. */
  type: string;
  services: readonly { name: string; criticality: Criticality }[];
  configurationItems: readonly string[];
  /**
   * The distinct services the change reaches (impactedServicesOf): absent when they were not
   * computed, and then the rule does not score.
   */
  impactedServices?: readonly string[];
  outageRequired: boolean;
  conflictCount: number;
  /** Past changes on the same services, and how many of them failed. */
  history: { total: number; failed: number };
}

export interface RiskAssessment {
  level: RiskLevel;
  score: number;
  reasons: string[];
}

export function assessRisk(input: RiskInput, rules: RiskRules = DEFAULT_RISK_RULES): RiskAssessment {
  let score = 0;
  const reasons: string[] = [];
  const add = (points: number, reason: string) => {
    if (points <= 0) return;
    score += points;
    reasons.push(`${reason} (+${points})`);
  };

  const top = mostCritical(input.services, rules);
  if (top !== undefined) add(rules.criticality[top.criticality], `service ${top.name} is ${top.criticality}`);

  const extra = new Set(input.services.map((service) => service.name)).size - 1;
  if (extra > 0) {
    const points = capped(extra * rules.extraServices.pointsEach, rules.extraServices.maxPoints);
    add(points, `${plural(extra, 'more affected service')}${points < extra * rules.extraServices.pointsEach ? ', capped' : ''}`);
  }

  const items = new Set(input.configurationItems).size;
  if (items > rules.configurationItems.moreThan) {
    add(rules.configurationItems.points, `${plural(items, 'configuration item')} affected, more than ${rules.configurationItems.moreThan}`);
  }

  if (input.impactedServices !== undefined) {
    const impacted = [...new Set(input.impactedServices)];
    if (impacted.length > rules.impactedServices.moreThan) {
      add(rules.impactedServices.points, `${plural(impacted.length, 'service')} impacted (${listed(impacted)}), more than ${rules.impactedServices.moreThan}`);
    }
  }

  if (input.outageRequired) add(rules.outage, 'outage required');
  if (input.type === 'emergency') add(rules.emergency, 'emergency change');

  if (input.conflictCount > 0) {
    const uncapped = input.conflictCount * rules.conflicts.pointsEach;
    const points = capped(uncapped, rules.conflicts.maxPoints);
    add(points, `${plural(input.conflictCount, 'scheduling conflict')}${points < uncapped ? ', capped' : ''}`);
  }

  const { total, failed } = input.history;
  if (total > 0 && total >= rules.failureRate.minChanges) {
    const rate = failed / total;
    const band = highestBand(rules.failureRate.bands, rate);
    if (band !== undefined) {
      add(band.points, `${failed} of ${total} past changes on these services failed (${Math.round(rate * 100)}%)`);
    }
  }

  return { level: levelFor(score, rules), score, reasons };
}

/**
 * The services a change reaches: its own, then those downstream of its configuration items, each
 * once and sorted, so the list on the change and in its reason reads the same whatever order the
 * impact analysis found them in.
 */
export function impactedServicesOf(own: readonly string[], downstream: readonly string[]): string[] {
  return [...new Set([...own, ...downstream])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function levelFor(score: number, rules: RiskRules = DEFAULT_RISK_RULES): RiskLevel {
  if (score >= rules.levels.high) return 'high';
  if (score >= rules.levels.medium) return 'medium';
  return 'low';
}

/** The service worth the most points; equal ones go to the name that sorts first, so input order never matters. */
function mostCritical<S extends { name: string; criticality: Criticality }>(services: readonly S[], rules: RiskRules): S | undefined {
  let best: S | undefined;
  for (const service of services) {
    const points = rules.criticality[service.criticality];
    const bestPoints = best === undefined ? -1 : rules.criticality[best.criticality];
    if (best === undefined || points > bestPoints || (points === bestPoints && service.name < best.name)) best = service;
  }
  return best;
}

/** Bands need not be stored in order: the one with the highest threshold reached wins. */
function highestBand(bands: RiskRules['failureRate']['bands'], rate: number) {
  let best: RiskRules['failureRate']['bands'][number] | undefined;
  for (const band of bands) {
    if (rate >= band.atLeast && (best === undefined || band.atLeast > best.atLeast)) best = band;
  }
  return best;
}

const capped = (points: number, max: number) => Math.min(points, max);
/** A reason stays one readable line: the first names, then how many more (the change lists them all in risk.impactedServices). */
const LISTED_NAMES = 5;
const listed = (names: readonly string[]) =>
  names.length <= LISTED_NAMES ? names.join(', ') : `${names.slice(0, LISTED_NAMES).join(', ')} and ${names.length - LISTED_NAMES} more`;
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export interface RiskRulesViolation {
  path: (string | number)[];
  message: string;
}

/**
 * What is wrong with rules an admin submits. Points, caps and counts are non-negative integers;
 * failure bands are fractions in [0, 1] with distinct thresholds (two bands at one rate would make
 * the points depend on their order); the medium level must be below the high one, or no score is medium.
 * Criticality points are not required to rise with criticality: a deployment may weigh them as it likes.
 */
export function validateRiskRules(rules: RiskRules): RiskRulesViolation[] {
  const violations: RiskRulesViolation[] = [];
  const count = (path: (string | number)[], value: number) => {
    if (!Number.isInteger(value) || value < 0) violations.push({ path, message: `${value} is not a non-negative integer` });
  };

  for (const criticality of CRITICALITIES) count(['criticality', criticality], rules.criticality[criticality]);
  count(['extraServices', 'pointsEach'], rules.extraServices.pointsEach);
  count(['extraServices', 'maxPoints'], rules.extraServices.maxPoints);
  count(['configurationItems', 'moreThan'], rules.configurationItems.moreThan);
  count(['configurationItems', 'points'], rules.configurationItems.points);
  count(['impactedServices', 'moreThan'], rules.impactedServices.moreThan);
  count(['impactedServices', 'points'], rules.impactedServices.points);
  count(['outage'], rules.outage);
  count(['emergency'], rules.emergency);
  count(['conflicts', 'pointsEach'], rules.conflicts.pointsEach);
  count(['conflicts', 'maxPoints'], rules.conflicts.maxPoints);
  count(['failureRate', 'minChanges'], rules.failureRate.minChanges);

  const seen = new Map<number, number>();
  rules.failureRate.bands.forEach((band, index) => {
    const path = ['failureRate', 'bands', index];
    if (!Number.isFinite(band.atLeast) || band.atLeast < 0 || band.atLeast > 1) {
      violations.push({ path: [...path, 'atLeast'], message: `${band.atLeast} is not a rate between 0 and 1` });
    } else if (seen.has(band.atLeast)) {
      violations.push({ path: [...path, 'atLeast'], message: `${band.atLeast} is also the threshold of band ${seen.get(band.atLeast)}` });
    } else {
      seen.set(band.atLeast, index);
    }
    count([...path, 'points'], band.points);
  });

  count(['levels', 'medium'], rules.levels.medium);
  count(['levels', 'high'], rules.levels.high);
  if (rules.levels.medium >= rules.levels.high) {
    violations.push({ path: ['levels'], message: `medium (${rules.levels.medium}) must be below high (${rules.levels.high})` });
  }
  return violations;
}
