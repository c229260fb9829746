import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, WORKFLOWS } from '../../functions/routes.ts';

/*
 * The escalation ASL as a file: valid, JSONPath only (what the local runner runs), and every Task
 * calling a function through a placeholder the route table resolves. Its paths run end to end,
 * through the local runner with the real steps, in test/api/sla-escalation.test.ts.
 */
// asl-validator ships CommonJS without type declarations.
const validator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: () => string };
const workflow = WORKFLOWS.incidentEscalation;
const definition = JSON.parse(readFileSync(workflow.definitionFile, 'utf8'));
type State = Record<string, unknown> & { Type: string };
const states = definition.States as Record<string, State>;

describe('statemachines/incident-escalation.asl.json', () => {
  it('is valid ASL (asl-validator)', () => {
    const { isValid, errorsText } = validator(structuredClone(definition));
    expect(isValid, errorsText()).toBe(true);
  });

  it('stays in JSONPath: no JSONata, no Assign (the local runner ignores both)', () => {
    const text = JSON.stringify(definition);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"|"Assign"|\{%/);
  });

  it('calls the escalation steps only, through the placeholder the route table maps', () => {
    const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['Escalate', 'NotifyMajorIncidentStakeholders', 'RecordThreshold']);
    for (const [name, state] of tasks) {
      expect(state.Resource, name).toBe('${EscalationStepsFunctionArn}');
      expect((state.Parameters as { step: string }).step, name).toMatch(/^(record-threshold|notify-major-incident|escalate)$/);
      expect(state.Retry, `${name} retries`).toBeDefined();
    }
    const placeholders = new Set([...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders]).toEqual(Object.keys(workflow.functions));
    for (const functionId of Object.values(workflow.functions)) expect(FUNCTIONS).toHaveProperty(functionId);
  });

  it('has the knobs the README documents, and every state reachable', () => {
    expect(states.Settings?.Result).toEqual({ majorIncidentPriority: 'P1', maxEscalationSteps: 20, minimumDelaySeconds: 0 });
    const readme = readFileSync('statemachines/README.md', 'utf8');
    for (const knob of Object.keys(states.Settings?.Result as object)) expect(readme).toContain(`\`${knob}\``);
    const reached = new Set<string>([definition.StartAt]);
    for (const state of Object.values(states)) {
      for (const next of [state.Next, state.Default, ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next)]) {
        if (typeof next === 'string') reached.add(next);
      }
    }
    expect([...reached].sort()).toEqual(Object.keys(states).sort());
  });
});
