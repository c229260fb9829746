import type { Calendar, EscalationPolicy, SlaPolicy, WorkingInterval } from './domain/types.ts';

/*
 * What a fresh deployment starts with, so that incidents get SLA clocks from the first day.
 * Written once (seedSlaDefaults in store/config-store.ts); from then on they are ordinary records
 * that admins change or delete, and a later deployment never brings them back.
 */

const nineToFive: WorkingInterval[] = [{ start: '09:00', end: '17:00' }];

export const DEFAULT_CALENDARS: readonly Calendar[] = [
  { name: '24x7', description: 'Every hour of every day', timeZone: 'UTC' },
  {
    name: 'business-hours',
    description: 'Monday to Friday, 09:00 to 17:00. Set your time zone and add your holidays',
    timeZone: 'UTC',
    workingHours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
    holidays: [],
  },
];

const policy = (name: string, priority: 'P1' | 'P2' | 'P3' | 'P4', calendar: string, response: string, resolution: string, description: string): SlaPolicy => ({
  name,
  description,
  appliesTo: { priority: [priority] },
  targets: { response, resolution },
  calendar,
  pauseOn: ['on_hold'],
  warnings: [50, 75],
});

// Business-hours targets are written in hours: a business "day" is the calendar's 8 hours.
export const DEFAULT_SLA_POLICIES: readonly SlaPolicy[] = [
  policy('p1', 'P1', '24x7', 'PT15M', 'PT4H', 'P1: respond within 15 minutes, resolve within 4 hours, around the clock'),
  policy('p2', 'P2', '24x7', 'PT30M', 'PT8H', 'P2: respond within 30 minutes, resolve within 8 hours, around the clock'),
  policy('p3', 'P3', 'business-hours', 'PT4H', 'PT24H', 'P3: respond within 4 business hours, resolve within 3 business days'),
  policy('p4', 'P4', 'business-hours', 'PT8H', 'PT40H', 'P4: respond within 1 business day, resolve within 5 business days'),
];

/** What a group without an escalation policy of its own escalates by. */
export const DEFAULT_ESCALATION_POLICY: Omit<EscalationPolicy, 'group'> = {
  levels: [
    { notify: { assignee: true, group: true }, delay: 'PT15M' },
    { notify: { manager: true }, delay: 'PT30M' },
  ],
  repeat: 0,
};
