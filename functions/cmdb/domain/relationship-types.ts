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
