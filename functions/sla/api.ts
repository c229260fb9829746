/**
 * The SLA area's API description: its tag, one operation per route of ./area.ts (what the
 * handlers read and answer, read off functions/sla/handlers) and the components they name.
 * Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import * as z from 'zod';
import { defineApi, PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope } from '../shared/schemas/common.ts';
import { DEFAULT_CALENDARS, DEFAULT_ESCALATION_POLICY, DEFAULT_SLA_POLICIES } from './defaults.ts';
import { calendarSchema, configListQuery, createCalendarBody, replaceCalendarBody } from './schemas/calendar.ts';
import { escalationPolicySchema, putEscalationPolicyBody } from './schemas/escalation-policy.ts';
import { DEFAULT_REPORT_DAYS, MAX_REPORT_DAYS, slaReportQuery, slaReportSchema } from './schemas/report.ts';
import { createSlaPolicyBody, replaceSlaPolicyBody, slaPolicySchema } from './schemas/sla-policy.ts';

const slaDefaults = [
  `Defaults written at the first deployment: calendars ${DEFAULT_CALENDARS.map((c) => `\`${c.name}\``).join(', ')};`,
  `policies ${DEFAULT_SLA_POLICIES.map((p) => `\`${p.name}\` (${p.appliesTo.priority?.join(', ')}: ${p.targets.response} / ${p.targets.resolution}, ${p.calendar})`).join(', ')}.`,
  'Admins change or delete them like any other record; a deleted default does not come back.',
].join(' ');

const defaultEscalation = DEFAULT_ESCALATION_POLICY.levels
  .map((level, i) => `level ${i + 1} notifies ${Object.keys(level.notify).join(' and ')}, then waits ${level.delay}`)
  .join('; ');

export default defineApi({
  tags: {
    SLA: 'Service level agreements: the policies that set targets, the calendars their clocks count in, the escalation policies of groups, and the SLA report',
  },
  requestSchemas: {
    CreateCalendar: createCalendarBody,
    ReplaceCalendar: replaceCalendarBody,
    CreateSlaPolicy: createSlaPolicyBody,
    ReplaceSlaPolicy: replaceSlaPolicyBody,
    PutEscalationPolicy: putEscalationPolicyBody,
  },
  responseSchemas: {
    Calendar: calendarSchema,
    CalendarPage: listEnvelope(calendarSchema),
    SlaPolicy: slaPolicySchema,
    SlaPolicyPage: listEnvelope(slaPolicySchema),
    EscalationPolicy: escalationPolicySchema,
    SlaReport: slaReportSchema,
  },
  errorMembers: {
    policies: z.array(z.string()).optional().describe('calendar-in-use: the SLA policies counting in the calendar'),
    policy: z.string().optional().describe('duplicate-policy-scope: the SLA policy that already has this scope'),
  },
  operations: {
    'GET /sla-policies': {
      operationId: 'listSlaPolicies',
      summary: 'List SLA policies',
      tag: 'SLA',
      audience: 'agent',
      description: `Sorted by name. ${slaDefaults} ${PAGE_NOTE}`,
      query: configListQuery,
      responses: { 200: { description: 'One page of SLA policies', schema: 'SlaPolicyPage' } },
      errorTypes: ['forbidden'],
    },
    'POST /sla-policies': {
      operationId: 'createSlaPolicy',
      summary: 'Create an SLA policy',
      tag: 'SLA',
      audience: 'admin',
      description: [
        'Targets for the incidents `appliesTo` selects (every named criterion must match; none: every incident). When several policies match an incident, the most specific wins (service before category before priority), clock by clock; so two policies with exactly the same `appliesTo` may not both set the same target (409 `duplicate-policy-scope` naming the other).',
        "At least one target. Targets are ISO 8601 durations of weeks, days, hours, minutes and seconds (`PT15M`, `PT4H`, `PT90S`), more than 0 and at most a year, counted in the policy's `calendar`. With a calendar that has working hours, days and weeks are refused: a business day is not 24 hours, so write it in hours (`PT24H` is three 8-hour days).",
        '`pauseOn` (default `["on_hold"]`) lists the open statuses in which the clocks stop counting; `resolved` stops them anyway. `warnings` (default `[50, 75]`) are percentages of a target, ascending, 1 to 99, at which warnings are sent; the breach is 100.',
        "The calendar and `appliesTo.service` must exist (checked in the same transaction as the write: 400 naming the field). Clocks start when an incident is opened and keep a copy of their policy's target and calendar: a policy applies to incidents opened afterwards, and to running clocks that move to it when their incident's priority, service or category changes.",
      ].join('\n\n'),
      body: { schema: 'CreateSlaPolicy' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'SlaPolicy', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'already-exists', 'duplicate-policy-scope'],
    },
    'GET /sla-policies/{name}': {
      operationId: 'getSlaPolicy',
      summary: 'Get an SLA policy',
      tag: 'SLA',
      audience: 'agent',
      description: 'Admins send the ETag back in If-Match to replace or delete the policy.',
      responses: { 200: { description: 'The SLA policy', schema: 'SlaPolicy', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'PUT /sla-policies/{name}': {
      operationId: 'replaceSlaPolicy',
      summary: 'Replace an SLA policy',
      tag: 'SLA',
      audience: 'admin',
      description:
        'Replaces every field, with the rules of creation: an absent optional field is removed, absent `pauseOn` and `warnings` take their defaults. Needs the current version in If-Match. A replacement equal to the current policy changes nothing (200, same version). Running clocks under the policy keep the copy they started with.',
      body: { schema: 'ReplaceSlaPolicy' },
      ifMatch: 'required',
      responses: { 200: { description: 'The SLA policy as it is now', schema: 'SlaPolicy', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found', 'duplicate-policy-scope'],
    },
    'DELETE /sla-policies/{name}': {
      operationId: 'deleteSlaPolicy',
      summary: 'Delete an SLA policy',
      tag: 'SLA',
      audience: 'admin',
      description:
        'Needs the current version in If-Match; the deletion is audited. Incidents opened afterwards get the next most specific policy, or no clock; running clocks keep their copy.',
      ifMatch: 'required',
      responses: { 204: { description: 'Deleted' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /calendars': {
      operationId: 'listCalendars',
      summary: 'List calendars',
      tag: 'SLA',
      audience: 'agent',
      description: `Sorted by name. ${PAGE_NOTE}`,
      query: configListQuery,
      responses: { 200: { description: 'One page of calendars', schema: 'CalendarPage' } },
      errorTypes: ['forbidden'],
    },
    'POST /calendars': {
      operationId: 'createCalendar',
      summary: 'Create a calendar',
      tag: 'SLA',
      audience: 'admin',
      description: [
        'When SLA clocks count. Without `workingHours` the calendar is 24x7: every second counts and holidays do not apply. With it, only the listed local hours of each weekday count (`end` exclusive, `24:00` allowed, no interval across midnight, no overlaps), except on `holidays`, in the IANA `timeZone` (daylight saving time included).',
        'Each invalid field is named in `errors` (400): an unknown time zone, an interval that ends before it starts, overlapping intervals, a week without working time, holidays on a 24x7 calendar, a date given twice.',
      ].join('\n\n'),
      body: { schema: 'CreateCalendar' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'Calendar', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'already-exists'],
    },
    'GET /calendars/{name}': {
      operationId: 'getCalendar',
      summary: 'Get a calendar',
      tag: 'SLA',
      audience: 'agent',
      description: 'Admins send the ETag back in If-Match to replace or delete the calendar.',
      responses: { 200: { description: 'The calendar', schema: 'Calendar', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'PUT /calendars/{name}': {
      operationId: 'replaceCalendar',
      summary: 'Replace a calendar',
      tag: 'SLA',
      audience: 'admin',
      description: [
        'Replaces every field: an absent optional field is removed (no `workingHours`: 24x7). Needs the current version in If-Match. A replacement equal to the current calendar changes nothing (200, same version).',
        'Giving working hours to a calendar that a policy with targets in days counts in is refused (400 on `workingHours`, naming the policy): change those targets to hours first.',
        'Running clocks keep the copy of the calendar they started with; incidents whose clocks start afterwards count in the new one.',
      ].join('\n\n'),
      body: { schema: 'ReplaceCalendar' },
      ifMatch: 'required',
      responses: { 200: { description: 'The calendar as it is now', schema: 'Calendar', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'DELETE /calendars/{name}': {
      operationId: 'deleteCalendar',
      summary: 'Delete a calendar',
      tag: 'SLA',
      audience: 'admin',
      description:
        'Needs the current version in If-Match; the deletion is audited. A calendar that SLA policies count in cannot be deleted (409 `calendar-in-use`, `policies` names them).',
      ifMatch: 'required',
      responses: { 204: { description: 'Deleted' } },
      errorTypes: ['forbidden', 'not-found', 'calendar-in-use'],
    },
    'GET /groups/{name}/escalation-policy': {
      operationId: 'getEscalationPolicy',
      summary: "Get a group's escalation policy",
      tag: 'SLA',
      audience: 'agent',
      description: [
        'Who is notified, level by level, when an incident assigned to the group breaches its SLA: level 1 at the breach, each level `delay` after the previous one; after the last level the levels run again, `repeat` more times. Escalation stops when the incident is resolved, closed or canceled (and for a response breach, when it is acknowledged).',
        `A group without a policy of its own answers the default, with \`isDefault: true\` and version 0: ${defaultEscalation}; repeat ${DEFAULT_ESCALATION_POLICY.repeat}.`,
      ].join('\n\n'),
      responses: { 200: { description: "The group's escalation policy, or the default", schema: 'EscalationPolicy', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
      notes: { 404: 'The group does not exist.' },
    },
    'PUT /groups/{name}/escalation-policy': {
      operationId: 'putEscalationPolicy',
      summary: "Set a group's escalation policy",
      tag: 'SLA',
      audience: 'admin',
      description: [
        '- **The group has no policy of its own** (GET answers the default): the policy is created, 201. If-Match is not needed; `"0"`, the default\'s ETag, is accepted.',
        '- **It has one**: the policy is replaced, 200; the current version in If-Match is required (428 without it). A replacement equal to the current policy changes nothing (200, same version).',
        '',
        "1 to 10 levels; each notifies someone (`users`, the incident's `assignee`, its `group`, the group's `manager`) and has a `delay` from 1 second to 7 days; `repeat` is 0 to 5 (default 0). Named users must exist (400 naming each one). The group must exist (404).",
      ].join('\n'),
      body: { schema: 'PutEscalationPolicy' },
      ifMatch: 'optional',
      responses: {
        200: { description: 'Replaced', schema: 'EscalationPolicy', headers: ['ETag', 'Location'] },
        201: { description: 'Created (the group had none of its own)', schema: 'EscalationPolicy', headers: ['ETag', 'Location'] },
      },
      errorTypes: ['forbidden', 'not-found', 'precondition-required'],
      notes: { 404: 'The group does not exist.', 428: 'Only when the group has a policy of its own.' },
    },
    'GET /reports/sla': {
      operationId: 'getSlaReport',
      summary: 'Get the SLA report',
      tag: 'SLA',
      audience: 'agent',
      description: [
        `SLA attainment (response and resolution clocks met and breached), breaches, mean time to acknowledge and to resolve, over UTC days \`from\` to \`to\` (inclusive; default: the last ${DEFAULT_REPORT_DAYS} days, today included; at most ${MAX_REPORT_DAYS}), grouped by priority, assignment group or service, with totals.`,
        "Read from counters that every incident change keeps up to date in its own transaction, never from the incidents themselves: each outcome counts on the UTC day it happened, under the incident's priority, group and service at that moment. A reopened incident takes its resolution and its resolution clock's outcome back. Eventually consistent: a change made a second ago may not show yet.",
      ].join('\n\n'),
      query: slaReportQuery,
      responses: { 200: { description: 'The report', schema: 'SlaReport' } },
      errorTypes: ['forbidden'],
      notes: { 400: '`from` after `to`, or a range longer than the maximum, is a `validation-error` on `from`.' },
    },
  },
});
