import * as z from 'zod';
import { cursorParam, limitParam, slug } from '../../shared/schemas/common.ts';
import { CRITICALITIES } from '../domain/risk.ts';

/*
 * The change area's configuration as the API takes and shows it: the change configuration (boards,
 * quorum, approval timing, risk rules), change templates and blackout windows. What the shapes
 * cannot say is checked where the rules live: validateRiskRules (domain/risk.ts) for the risk
 * rules, the handlers for windows and references.
 */

const recordMeta = {
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
};

/** Each value once: an issue on every repeat, at its index. */
function unique(values: readonly string[], ctx: z.RefinementCtx, what: string): void {
  values.forEach((value, i) => {
    const first = values.indexOf(value);
    if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${what} '${value}' is listed twice (also at ${first})` });
  });
}

const serviceList = (max: number) =>
  z
    .array(slug)
    .max(max)
    .superRefine((list, ctx) => unique(list, ctx, 'Service'));

// ---------------------------------------------------------------------------------------------
// Change configuration

export const MIN_APPROVAL_TIMEOUT_SECONDS = 60;
export const MAX_APPROVAL_TIMEOUT_SECONDS = 30 * 86_400;
export const MAX_REMINDERS = 10;
export const MAX_CAB_QUORUM = 100;

/*
 * Points and counts are plain numbers in the shape: whether they are non-negative integers, and
 * the rules between them (distinct band thresholds, medium below high), is validateRiskRules'
 * business, so the API and any other writer refuse the same rules with the same messages.
 */
const points = z.number().describe('Points, a non-negative integer');
const pointsCapped = z.strictObject({ pointsEach: points, maxPoints: points.describe('The most points this rule adds') });

export const riskRulesSchema = z
  .strictObject({
    criticality: z
      .strictObject(Object.fromEntries(CRITICALITIES.map((c) => [c, points])) as Record<(typeof CRITICALITIES)[number], typeof points>)
      .describe('Points for the most critical affected service; only the highest counts'),
    extraServices: pointsCapped.describe('Points per distinct affected service beyond the first'),
    configurationItems: z
      .strictObject({ moreThan: points.describe('A count, non-negative integer'), points })
      .describe('Points once the distinct affected configuration items are more than `moreThan`'),
    impactedServices: z
      .strictObject({ moreThan: points.describe('A count, non-negative integer'), points })
      .optional()
      .describe(
        "Points once the distinct services the change reaches are more than `moreThan`: its own services and those downstream of its configuration items (the CMDB's impact, depth 3). Absent in a PUT: the default (more than 2: 1 point)",
      ),
    outage: points.describe('Points when the change needs an outage'),
    emergency: points.describe('Points for an emergency change'),
    conflicts: pointsCapped.describe('Points per scheduling conflict (overlapping change or blackout window)'),
    failureRate: z
      .strictObject({
        minChanges: points.describe('Past changes on the same services needed before the rate counts; non-negative integer'),
        bands: z
          .array(z.strictObject({ atLeast: z.number().describe('A failure rate from 0 to 1'), points }))
          .max(10)
          .describe('Points for the share of failed past changes; only the highest band reached counts; thresholds distinct'),
      })
      .describe('Points for the failure rate of past changes on the same services'),
    levels: z
      .strictObject({ medium: points.describe('Lowest medium score'), high: points.describe('Lowest high score; above medium') })
      .describe('A score of at least `high` is high risk, at least `medium` is medium, anything less is low'),
  })
  .meta({ id: 'RiskRules', description: "How a change's risk score is computed, each point with a reason (functions/changes/domain/risk.ts)" });

const changeConfigFields = {
  cabGroup: slug.describe('The change advisory board: approves normal changes of medium and high risk. Must be an existing group'),
  emergencyGroup: slug.describe('The emergency board: one approval lets an emergency change go ahead. Must be an existing group'),
  changeManagersGroup: slug.describe('Told when an approval stalls past its reminders. Must be an existing group'),
  cabQuorum: z.int().min(1).max(MAX_CAB_QUORUM).describe('Approvals the CAB must give (N of its M members); any rejection rejects'),
  approvalTimeoutSeconds: z
    .int()
    .min(MIN_APPROVAL_TIMEOUT_SECONDS)
    .max(MAX_APPROVAL_TIMEOUT_SECONDS)
    .describe('How long each wait for the approvers lasts before a reminder (then the escalation, then expiry); 60 seconds to 30 days'),
  reminders: z.int().min(0).max(MAX_REMINDERS).describe('Reminders to approvers who have not voted, before the change managers are told'),
  riskRules: riskRulesSchema,
};

export const putChangeConfigBody = z.strictObject(changeConfigFields).meta({ id: 'PutChangeConfig' });

export const changeConfigSchema = z
  .object({
    ...changeConfigFields,
    updatedAt: z.string().optional().describe('Absent until the configuration is first written'),
    version: z.number().int().describe('Also sent as the ETag; 0 until the configuration is first written. Send it back in If-Match'),
  })
  .meta({ id: 'ChangeConfig', description: 'Who approves changes, how long approvals wait, and how risk is scored' });

// ---------------------------------------------------------------------------------------------
// Change templates

const title = z.string().trim().min(1).max(200);
const longText = z.string().max(20_000);
const plan = z.string().trim().min(1).max(20_000);

const templateFields = {
  title: title.describe('The title of changes raised from the template'),
  description: longText.optional(),
  services: serviceList(20).min(1).describe('The services the template is pre-authorized for; each must exist'),
  configurationItems: z
    .array(z.string().trim().min(1).max(200))
    .max(50)
    .superRefine((list, ctx) => unique(list, ctx, 'Configuration item'))
    .default([])
    .describe(
      'The configuration items it applies to, by CI id (GET /cis); each must exist when written. A template written before the CMDB may hold free text here, kept until it is replaced',
    ),
  implementationPlan: plan.describe('The proven procedure'),
  backoutPlan: plan.describe('How to undo it'),
  testPlan: plan.optional(),
  outageRequired: z.boolean().default(false),
  assignmentGroup: slug.optional().describe('The group that implements changes raised from the template; must exist'),
  active: z.boolean().default(true).describe('Standard changes are raised only from active templates'),
};

export const createChangeTemplateBody = z.strictObject({ name: slug, ...templateFields }).meta({ id: 'CreateChangeTemplate' });
export const replaceChangeTemplateBody = z.strictObject(templateFields).meta({ id: 'ReplaceChangeTemplate' });

export const changeTemplateSchema = z
  .object({ name: z.string(), ...templateFields, ...recordMeta })
  .meta({ id: 'ChangeTemplate', description: 'A pre-authorized change: standard changes are raised from it and approved at once' });

// ---------------------------------------------------------------------------------------------
// Blackout windows

/** A freeze longer than a year is a typo more often than a policy. */
export const MAX_BLACKOUT_DAYS = 366;

const instant = z.iso.datetime({ offset: true });

const blackoutFields = {
  start: instant.describe('When the freeze begins, ISO 8601 with an offset; stored in UTC'),
  end: instant.describe(`When it ends (exclusive), after start and at most ${MAX_BLACKOUT_DAYS} days later`),
  services: serviceList(50).min(1).optional().describe('The frozen services; each must exist. Absent: every change is frozen'),
  reason: z.string().trim().min(1).max(2000).optional(),
};

export const createBlackoutWindowBody = z.strictObject({ name: slug, ...blackoutFields }).meta({ id: 'CreateBlackoutWindow' });
export const replaceBlackoutWindowBody = z.strictObject(blackoutFields).meta({ id: 'ReplaceBlackoutWindow' });

export const blackoutWindowSchema = z.object({ name: z.string(), ...blackoutFields, ...recordMeta }).meta({
  id: 'BlackoutWindow',
  description: 'A change freeze [start, end): a change overlapping it can go ahead only as an emergency or with an admin override',
});

// ---------------------------------------------------------------------------------------------
// Lists

export const changeTemplateListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

export const blackoutListQuery = z.strictObject({
  from: instant.optional().describe('Only windows ending after this instant (current and upcoming ones: pass now)'),
  limit: limitParam,
  cursor: cursorParam.optional(),
});
