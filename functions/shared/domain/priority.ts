/*
 * The priority scale every work area ranks its records on (ITIL: P1 critical to P4 low). It is
 * shared rather than the incidents' own because SLA policies, which sit below the work areas,
 * select by it; how a priority is reached (the incident priority matrix) stays with the area.
 */

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];
