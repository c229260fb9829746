/**
 * The SLA area (policies, calendars, escalation policies, the report), as the registry
 * (functions/areas.ts) assembles it. Its SLA events (SLA Warning, SLA Breached, ...) are published
 * on an incident's record, so the incidents area lists them; the escalation workflow is the
 * escalation area's. Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';

export default defineArea({
  name: 'sla',
  functions: {
    manageSlaPolicies: {
      entry: 'functions/sla/handlers/sla-policies.ts',
      description: '/sla-policies: which SLA targets apply to which incidents (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    manageCalendars: {
      entry: 'functions/sla/handlers/calendars.ts',
      description: '/calendars: working hours and holidays SLA clocks count in (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    escalationPolicy: {
      entry: 'functions/sla/handlers/escalation-policy.ts',
      description: '/groups/{name}/escalation-policy: who is notified, level by level, when a breach escalates',
      tableAccess: 'readWrite',
    },
    slaReport: {
      entry: 'functions/sla/handlers/sla-report.ts',
      description: 'GET /reports/sla: SLA attainment, breaches, MTTA and MTTR from maintained aggregates',
      tableAccess: 'read',
    },
    seedSlaDefaults: {
      entry: 'functions/sla/handlers/seed-defaults.ts',
      description: 'Writes the default calendars and SLA policies once, after a deployment, unless they exist',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
    },
  },
  routes: [
    jwtRoute('GET', '/sla-policies', 'manageSlaPolicies'),
    jwtRoute('POST', '/sla-policies', 'manageSlaPolicies'),
    jwtRoute('GET', '/sla-policies/{name}', 'manageSlaPolicies'),
    jwtRoute('PUT', '/sla-policies/{name}', 'manageSlaPolicies'),
    jwtRoute('DELETE', '/sla-policies/{name}', 'manageSlaPolicies'),
    jwtRoute('GET', '/calendars', 'manageCalendars'),
    jwtRoute('POST', '/calendars', 'manageCalendars'),
    jwtRoute('GET', '/calendars/{name}', 'manageCalendars'),
    jwtRoute('PUT', '/calendars/{name}', 'manageCalendars'),
    jwtRoute('DELETE', '/calendars/{name}', 'manageCalendars'),
    jwtRoute('GET', '/groups/{name}/escalation-policy', 'escalationPolicy'),
    jwtRoute('PUT', '/groups/{name}/escalation-policy', 'escalationPolicy'),
    jwtRoute('GET', '/reports/sla', 'slaReport'),
  ],
  consumers: [{ functionId: 'seedSlaDefaults', source: { kind: 'afterDeploy' } }],
  api: () => import('./api.ts'),
});
