import * as z from 'zod';
import { PRIORITIES } from '../../shared/domain/priority.ts';
import { slug } from '../../shared/schemas/common.ts';
import { PAUSABLE_STATUSES } from '../domain/types.ts';
import { description, isoDuration, recordMeta, uniqueItems } from './shared.ts';

/** A year: SLA timers are schedules, and nothing sensible is due further out. */
const MAX_TARGET_SECONDS = 366 * 24 * 3600;
const target = isoDuration(1, MAX_TARGET_SECONDS).describe(
  'ISO 8601 duration of time counted in the calendar, e.g. `PT15M`, `PT4H`; seconds allowed. With a working-hours calendar write business days as hours (`PT24H` is three 8-hour days): days and weeks are refused there',
);

const appliesTo = z
  .strictObject({
    priority: z
      .array(z.enum(PRIORITIES))
      .min(1)
      .max(PRIORITIES.length)
      .superRefine((list, ctx) => uniqueItems(list, ctx, 'Priority'))
      .optional()
      .describe('Any of these priorities'),
    service: slug.optional().describe('Incidents about this service; it must exist'),
    category: z.string().trim().min(1).max(200).optional().describe('Incidents of this category'),
  })
  .describe(
    'Every named criterion must match; a policy naming none applies to every incident. When several policies match, the most specific wins; two with the same criteria may not set the same target',
  );

const targets = z
  .strictObject({ response: target.optional(), resolution: target.optional() })
  .refine((t) => t.response !== undefined || t.resolution !== undefined, 'Give at least one target: response or resolution')
  .describe('Time to the first response (acknowledgement) and to resolution');

const pauseOn = z
  .array(z.enum(PAUSABLE_STATUSES))
  .max(PAUSABLE_STATUSES.length)
  .superRefine((list, ctx) => uniqueItems(list, ctx, 'Status'))
  .default(['on_hold'])
  .describe('Statuses in which the clocks do not count');

const warnings = z
  .array(z.int().min(1).max(99))
  .max(10)
  .superRefine((list, ctx) => {
    list.forEach((value, i) => {
      const previous = list[i - 1];
      if (previous !== undefined && value <= previous) ctx.addIssue({ code: 'custom', path: [i], message: `Warnings go up: ${value} after ${previous}` });
    });
  })
  .default([50, 75])
  .describe('Percentages of a target at which a warning is sent, ascending; the breach is 100');

const policyFields = {
  description: description.optional(),
  appliesTo: appliesTo.default({}),
  targets,
  calendar: slug.describe('The calendar the clocks count in; it must exist'),
  pauseOn,
  warnings,
};

export const createSlaPolicyBody = z.strictObject({ name: slug, ...policyFields }).meta({ id: 'CreateSlaPolicy' });
export const replaceSlaPolicyBody = z.strictObject(policyFields).meta({ id: 'ReplaceSlaPolicy' });

export const slaPolicySchema = z
  .object({ name: z.string(), ...policyFields, ...recordMeta })
  .describe('Which SLA targets apply to which incidents, counted in which calendar');
