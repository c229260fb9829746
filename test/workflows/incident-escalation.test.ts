import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, WORKFLOWS } from '../../functions/routes.ts';
import { expectJsonPathOnly, expectValidAsl, loadDefinition, reachableStates } from '../support/asl.ts';

/*
 * The escalation ASL as a file: valid, JSONPath only (what the local runner runs), and every Task
 * calling a function through a placeholder the route table resolves. Its paths run end to end,
 * through the local runner with the real steps, in test/api/sla-escalation.test.ts.
 */
const workflow = WORKFLOWS.incidentEscalation;
const definition = loadDefinition(workflow.definitionFile);
const states = definition.States;

describe('statemachines/incident-escalation.asl.json', () => {
  it('is valid ASL (asl-validator)', () => expectValidAsl(definition));

  it('stays in JSONPath: no JSONata, no Assign (the local runner ignores both)', () => expectJsonPathOnly(definition));

  it('calls the escalation steps only, through the placeholder the route table maps', () => {
    const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['Escalate', 'NotifyMajorIncidentStakeholders', 'RecordTaskThreshold', 'RecordThreshold']);
    for (const [name, state] of tasks) {
      expect(state.Resource, name).toBe('${EscalationStepsFunctionArn}');
      expect((state.Parameters as { step: string }).step, name).toMatch(/^(record-threshold|record-task-threshold|notify-major-incident|escalate)$/);
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
    expect(reachableStates(definition)).toEqual(Object.keys(states).sort());
  });
});
