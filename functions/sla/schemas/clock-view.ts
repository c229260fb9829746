import * as z from 'zod';
import { isoTimestamp } from '../../shared/schemas/common.ts';

/**
 * An SLA clock as a GET shows it (domain/clock.ts clockView, computed at the moment of the
 * response): one description for every record that carries clocks, incidents and fulfilment tasks.
 */
const isoDuration = z.string().describe('ISO 8601 duration of business time, e.g. PT3H15M');
export const slaClockViewSchema = z
  .object({
    state: z.enum(['running', 'paused', 'met', 'breached', 'canceled']),
    policy: z.string().describe('The SLA policy in force (GET /sla-policies/{name})'),
    calendar: z.string().describe('The calendar the clock counts in (GET /calendars/{name})'),
    target: isoDuration,
    startedAt: isoTimestamp,
    dueAt: isoTimestamp.nullable().describe('When the target is (or was) reached, calendar aware; null while paused or when met'),
    elapsed: isoDuration.describe('Business time counted so far, at the moment of the response'),
    pausedFor: isoDuration.describe('Business time spent paused (and resolved, before a reopen)'),
    percentage: z.number().describe('elapsed / target, in percent, one decimal'),
    breachedAt: isoTimestamp.nullable().describe('The exact instant elapsed time reached the target'),
    stoppedAt: isoTimestamp.nullable(),
    thresholdsCrossed: z.array(z.number().int()).describe('Warning thresholds reached, in percent; 100 is the breach'),
  })
  .meta({ id: 'SlaClock' });
