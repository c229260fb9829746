/**
 * Relationship types. Each relationship is stored once under its canonical type, from the CI that
 * names it to its target; the inverse names read it from the other end. `connects_to` is its own
 * inverse (stored with the smaller id as source, so it cannot be stored twice).
 */
export const CANONICAL_RELATIONSHIP_TYPES = ['depends_on', 'runs_on', 'contains', 'connects_to'] as const;
export type CanonicalRelationshipType = (typeof CANONICAL_RELATIONSHIP_TYPES)[number];

export const INVERSE_OF = {
  depends_on: 'used_by',
  runs_on: 'hosts',
  contains: 'contained_by',
  connects_to: 'connects_to',
} as const satisfies Record<CanonicalRelationshipType, string>;

export const RELATIONSHIP_TYPES = ['depends_on', 'used_by', 'runs_on', 'hosts', 'contains', 'contained_by', 'connects_to'] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

/** Who made a relationship: a person through the API, or the AWS feed from what AWS Config or CloudFormation reports. */
export const RELATIONSHIP_ORIGINS = ['manual', 'aws-config', 'cloudformation'] as const;
export type RelationshipOrigin = (typeof RELATIONSHIP_ORIGINS)[number];

/** A relationship as stored: `source` names `target` with a canonical type. */
export interface StoredRelationship {
  readonly source: string;
  readonly type: CanonicalRelationshipType;
  readonly target: string;
}

/** The stored form of "`from` <type> `to`", whichever name of the pair the caller used. */
export function canonicalRelationship(from: string, type: RelationshipType, to: string): StoredRelationship {
  switch (type) {
    case 'used_by':
      return { source: to, type: 'depends_on', target: from };
    case 'hosts':
      return { source: to, type: 'runs_on', target: from };
    case 'contained_by':
      return { source: to, type: 'contains', target: from };
    case 'connects_to':
      return from < to ? { source: from, type, target: to } : { source: to, type, target: from };
    default:
      return { source: from, type, target: to };
  }
}

/** The relationship as `ci` sees it: its type from that end and the CI at the other end. */
export function relationshipSeenFrom(ci: string, stored: StoredRelationship): { type: RelationshipType; other: string } {
  if (stored.source === ci) return { type: stored.type, other: stored.target };
  return { type: INVERSE_OF[stored.type], other: stored.source };
}

/**
 * Which way impact is followed. `downstream`: the CIs affected when this one fails (its
 * dependents). `upstream`: the CIs it relies on, whose failure would affect it.
 */
export const IMPACT_DIRECTIONS = ['downstream', 'upstream'] as const;
export type ImpactDirection = (typeof IMPACT_DIRECTIONS)[number];

/**
 * How a failure travels along each canonical type, downstream: from the target to the source of
 * `depends_on` and `runs_on` (what depends on or runs on a failed CI is affected), from the source
 * to the target of `contains` (what a failed container holds is affected), and both ways along
 * `connects_to`. Upstream is the same table read the other way.
 */
const DOWNSTREAM_FLOW: Readonly<Record<CanonicalRelationshipType, { fromSource: boolean; fromTarget: boolean }>> = {
  depends_on: { fromSource: false, fromTarget: true },
  runs_on: { fromSource: false, fromTarget: true },
  contains: { fromSource: true, fromTarget: false },
  connects_to: { fromSource: true, fromTarget: true },
};

/**
 * The CI that impact reaches from `from` across `stored` in `direction`, or undefined when it
 * does not travel that way (or `from` is at neither end).
 */
export function impactReaches(direction: ImpactDirection, stored: StoredRelationship, from: string): string | undefined {
  const flow = DOWNSTREAM_FLOW[stored.type];
  const fromSource = direction === 'downstream' ? flow.fromSource : flow.fromTarget;
  const fromTarget = direction === 'downstream' ? flow.fromTarget : flow.fromSource;
  if (stored.source === from && fromSource) return stored.target;
  if (stored.target === from && fromTarget) return stored.source;
  return undefined;
}

/**
 * The canonical types impact follows from a CI in `direction`, by the end the CI is at: the
 * relationships it is the source of (`asSource`) and those it is the target of (`asTarget`). Only
 * these are read, so a hub's other relationships cost nothing.
 */
export function impactFollows(direction: ImpactDirection): { asSource: CanonicalRelationshipType[]; asTarget: CanonicalRelationshipType[] } {
  const follows = (end: 'fromSource' | 'fromTarget') =>
    CANONICAL_RELATIONSHIP_TYPES.filter((type) => {
      const flow = DOWNSTREAM_FLOW[type];
      const downstreamEnd = direction === 'downstream' ? end : end === 'fromSource' ? 'fromTarget' : 'fromSource';
      return flow[downstreamEnd];
    });
  return { asSource: follows('fromSource'), asTarget: follows('fromTarget') };
}
