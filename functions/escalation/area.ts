/**
 * The escalation area (what reacts to an SLA threshold: the incident escalation workflow and its
 * task steps), as the registry (functions/areas.ts) assembles it. It has no routes, so no API
 * description; the events it causes are published on an incident's record (or a fulfilment task's:
 * Task SLA Warning / Breached), so the incidents (requests) area lists them.
 */
import { defineArea } from '../shared/area.ts';

export default defineArea({
  name: 'escalation',
  functions: {
    escalationSteps: {
      entry: 'functions/escalation/handlers/escalation-steps.ts',
      description: 'Task steps of the incident escalation workflow: record a threshold, escalate a level',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
    },
  },
  workflows: {
    incidentEscalation: {
      definitionFile: 'statemachines/incident-escalation.asl.json',
      description: 'SLA thresholds: records a warning or breach, then escalates along the group escalation policy',
      functions: { EscalationStepsFunctionArn: 'escalationSteps' },
      arnEnvironment: 'ESCALATION_STATE_MACHINE_ARN',
    },
  },
});
