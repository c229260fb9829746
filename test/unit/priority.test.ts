import { describe, expect, it } from 'vitest';
import { DEFAULT_PRIORITY_MATRIX, type Level, type PriorityMatrix, priorityFor } from '../../functions/incidents/domain/priority.ts';

describe('priority matrix', () => {
  it.each([
    [1, 1, 'P1'],
    [1, 2, 'P2'],
    [2, 1, 'P2'],
    [1, 3, 'P3'],
    [2, 2, 'P3'],
    [3, 1, 'P3'],
    [2, 3, 'P4'],
    [3, 2, 'P4'],
    [3, 3, 'P4'],
  ] as [Level, Level, string][])('default: impact %i, urgency %i -> %s', (impact, urgency, priority) => {
    expect(priorityFor(DEFAULT_PRIORITY_MATRIX, impact, urgency)).toBe(priority);
  });

  it('the default is exactly the ITIL matrix', () => {
    expect(DEFAULT_PRIORITY_MATRIX).toEqual({
      '1': { '1': 'P1', '2': 'P2', '3': 'P3' },
      '2': { '1': 'P2', '2': 'P3', '3': 'P4' },
      '3': { '1': 'P3', '2': 'P4', '3': 'P4' },
    });
  });

  it('reads a custom matrix as matrix[impact][urgency]', () => {
    const custom: PriorityMatrix = {
      '1': { '1': 'P1', '2': 'P1', '3': 'P2' },
      '2': { '1': 'P3', '2': 'P3', '3': 'P4' },
      '3': { '1': 'P4', '2': 'P4', '3': 'P4' },
    };
    expect(priorityFor(custom, 1, 2)).toBe('P1');
    expect(priorityFor(custom, 1, 3)).toBe('P2');
    expect(priorityFor(custom, 2, 1)).toBe('P3'); // not symmetric: impact picks the row
    expect(priorityFor(custom, 3, 1)).toBe('P4');
  });
});
