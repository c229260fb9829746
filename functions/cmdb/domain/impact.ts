import { type ImpactDirection, impactReaches, type RelationshipType, relationshipSeenFrom, type StoredRelationship } from './relationship-types.ts';

/*
 * Impact analysis as a bounded breadth-first search, without the storage: which CIs the next level
 * reads, what the relationships read at a level add, the path by which each CI was first reached,
 * and the budget on relationship items read. The store reads one level per round (impact.ts); this
 * module decides everything else, so the rules are tested without a table.
 */

export const DEFAULT_IMPACT_DEPTH = 3;
export const MAX_IMPACT_DEPTH = 6;
/**
 * Relationship items one impact analysis may read in all: past it the graph is too large to answer
 * at that depth. Sized for the estates the AWS feed fills, where a VPC, a stack or a shared role has
 * hundreds of dependents: split between the 3 Queries of a single CI, it gives each a share of 666,
 * so a hub of 600 dependents answers at depth 1. Its bounds (docs/cmdb.md): a share of at most 666
 * relationship items (about 1 KB each at the longest ids and actor) stays under a Query's 1 MB page;
 * at most 2000 CIs reached, so the closing batch read is at most 21 BatchGets of 100 in parallel,
 * and the answer lists at most 2000 CIs (about 1.5 KB each at the longest, with their paths): about
 * 3 MB at worst, under the 6 MB a Lambda behind API Gateway may answer.
 */
export const IMPACT_BUDGET = 2000;

/** One link of a path: a CI and the relationship, as that CI names it, that leads to the next CI of the path. */
export interface ImpactStep {
  id: string;
  relationship: RelationshipType;
}

/** A CI the impact reaches: how many relationships away from the CI asked about, and the chain that leads there. */
export interface ImpactReach {
  id: string;
  depth: number;
  /** From the CI asked about (first) to the CI before this one (last): `depth` steps. */
  path: ImpactStep[];
}

/** The graph around the CIs asked about holds more relationships than the budget allows at the depth asked. */
export class ImpactTooLarge extends Error {
  constructor(
    /** Relationship items read when the search stopped (at most the budget when the store splits it between its reads). */
    readonly itemsRead: number,
    readonly budget: number,
    /** The level whose relationships passed the budget. */
    readonly depthReading: number,
    /** The deepest level read whole within the budget; undefined when even the first did not fit. */
    readonly suggestedDepth: number | undefined,
    /** What the levels within the budget reached. */
    readonly partial: readonly ImpactReach[],
  ) {
    super(`Impact analysis read ${itemsRead} relationships, more than its budget of ${budget}, at depth ${depthReading}`);
    this.name = 'ImpactTooLarge';
  }
}

/** The relationships read at one level from one CI of its frontier (both ends: as source and as target). */
export interface LevelReading {
  ci: string;
  relationships: readonly StoredRelationship[];
  /** A read stopped at its share of the budget: there is more than the budget allows. */
  truncated?: boolean;
}

const byTypeThenId = (a: { step: ImpactStep; next: string }, b: { step: ImpactStep; next: string }): number =>
  a.step.relationship === b.step.relationship ? (a.next < b.next ? -1 : a.next > b.next ? 1 : 0) : a.step.relationship < b.step.relationship ? -1 : 1;

export class ImpactSearch {
  readonly #direction: ImpactDirection;
  readonly #maxDepth: number;
  readonly #budget: number;
  readonly #visited = new Set<string>();
  readonly #reached: ImpactReach[] = [];
  readonly #paths = new Map<string, ImpactStep[]>();
  #frontier: string[];
  #level = 0;
  #itemsRead = 0;

  constructor(roots: readonly string[], options: { direction: ImpactDirection; depth: number; budget?: number }) {
    if (!Number.isInteger(options.depth) || options.depth < 1) throw new Error(`Impact depth must be a positive integer, got ${options.depth}`);
    this.#direction = options.direction;
    this.#maxDepth = options.depth;
    this.#budget = options.budget ?? IMPACT_BUDGET;
    this.#frontier = [...new Set(roots)];
    for (const root of this.#frontier) {
      this.#visited.add(root);
      this.#paths.set(root, []);
    }
  }

  /** The CIs whose relationships the next level reads; empty once the search is done. */
  get frontier(): readonly string[] {
    return this.done ? [] : this.#frontier;
  }

  /** No CI is left to read, or the depth asked is reached. */
  get done(): boolean {
    return this.#frontier.length === 0 || this.#level >= this.#maxDepth;
  }

  /** Levels read so far: one round of Queries each. */
  get levels(): number {
    return this.#level;
  }

  get itemsRead(): number {
    return this.#itemsRead;
  }

  /** The CIs reached, nearest first (the CIs asked about are never among them); each once, by its first shortest path. */
  get reached(): readonly ImpactReach[] {
    return this.#reached;
  }

  /**
   * Takes the relationships read from every CI of the frontier and moves one level on. Past the
   * budget (more items than it, or a read truncated at its share of it) it throws ImpactTooLarge,
   * and what this level would have reached is not kept.
   */
  advance(readings: readonly LevelReading[]): void {
    if (this.done) throw new Error('The impact search is done: nothing more to read');
    const depth = this.#level + 1;
    this.#itemsRead += readings.reduce((sum, reading) => sum + reading.relationships.length, 0);
    if (this.#itemsRead > this.#budget || readings.some((reading) => reading.truncated === true)) {
      throw new ImpactTooLarge(this.#itemsRead, this.#budget, depth, this.#level >= 1 ? this.#level : undefined, [...this.#reached]);
    }
    const readFrom = new Map<string, StoredRelationship[]>();
    for (const reading of readings) readFrom.set(reading.ci, [...(readFrom.get(reading.ci) ?? []), ...reading.relationships]);
    const next: string[] = [];
    // Frontier order first (itself nearest-first), then by relationship and id: the same graph always gives the same paths.
    for (const ci of this.#frontier) {
      const steps = (readFrom.get(ci) ?? [])
        .flatMap((stored) => {
          const reachedCi = impactReaches(this.#direction, stored, ci);
          return reachedCi === undefined ? [] : [{ next: reachedCi, step: { id: ci, relationship: relationshipSeenFrom(ci, stored).type } }];
        })
        .sort(byTypeThenId);
      for (const { next: reachedCi, step } of steps) {
        // A CI seen before (a cycle, or a second path) keeps its first, shortest path.
        if (this.#visited.has(reachedCi)) continue;
        this.#visited.add(reachedCi);
        const path = [...(this.#paths.get(ci) ?? []), step];
        this.#paths.set(reachedCi, path);
        this.#reached.push({ id: reachedCi, depth, path });
        next.push(reachedCi);
      }
    }
    this.#level = depth;
    this.#frontier = next;
  }
}
