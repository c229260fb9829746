import type { Priority } from '../../shared/domain/priority.ts';

/** Impact and urgency: 1 high, 2 medium, 3 low (ITIL). */
export type Level = 1 | 2 | 3;

/** matrix[impact][urgency] -> priority; keys are "1" | "2" | "3" as in JSON. */
export type PriorityMatrix = Record<'1' | '2' | '3', Record<'1' | '2' | '3', Priority>>;

/** The ITIL default; deployments change it with PUT /config/priority-matrix. */
export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  '1': { '1': 'P1', '2': 'P2', '3': 'P3' },
  '2': { '1': 'P2', '2': 'P3', '3': 'P4' },
  '3': { '1': 'P3', '2': 'P4', '3': 'P4' },
};

export function priorityFor(matrix: PriorityMatrix, impact: Level, urgency: Level): Priority {
  return matrix[String(impact) as '1' | '2' | '3'][String(urgency) as '1' | '2' | '3'];
}
