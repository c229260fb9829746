import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';

/** What every ASL file of statemachines/ is checked for, whatever its workflow. */

export type State = Record<string, unknown> & { Type: string };
export interface Definition {
  StartAt: string;
  QueryLanguage?: string;
  States: Record<string, State>;
}

export const loadDefinition = (path: string): Definition => JSON.parse(readFileSync(path, 'utf8')) as Definition;

// asl-validator ships CommonJS without type declarations.
const validator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: () => string };

/** Valid ASL (asl-validator mutates what it checks: it gets a copy). */
export function expectValidAsl(definition: Definition): void {
  const { isValid, errorsText } = validator(structuredClone(definition));
  expect(isValid, errorsText()).toBe(true);
}

/** JSONPath only: the local runner ignores JSONata and fails on Assign. */
export function expectJsonPathOnly(definition: Definition): void {
  expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  expect(JSON.stringify(definition)).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"|"Assign"|\{%/);
}

/** Every state some path reaches: from StartAt through Next, Default, Choices and Catch. */
export function reachableStates(definition: Definition): string[] {
  const reached = new Set<string>([definition.StartAt]);
  for (const state of Object.values(definition.States)) {
    const choices = ((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next);
    const catches = ((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next);
    for (const next of [state.Next, state.Default, ...choices, ...catches]) if (typeof next === 'string') reached.add(next);
  }
  return [...reached].sort();
}
