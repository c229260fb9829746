import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { conflict, type FieldError, fieldError, validationFailed } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { TABLE_NAME } from '../../shared/store/db.ts';
import type { FieldCheck } from '../../shared/store/field-checks.ts';
import { type ConfigResource, create, get, historyFields, list, remove, replace } from '../config-crud.ts';
import { targetsInDays } from '../domain/policy.ts';
import type { SlaPolicy } from '../domain/types.ts';
import { createSlaPolicyBody, replaceSlaPolicyBody, slaPolicySchema } from '../schemas/sla-policy.ts';
import { canonicalPolicy, configKey, contestedClocks, type SlaConfigSnapshot } from '../store/config-store.ts';

/*
 * /sla-policies: which targets apply to which incidents, counted in which calendar. Policies
 * apply to incidents opened (or re-prioritized, re-categorized, moved to another service) after
 * the change; running clocks keep the policy they started with.
 */

/** Rules that need the rest of the configuration: its calendar, and the other policies' scopes. */
function checkAgainst(policy: SlaPolicy, snapshot: SlaConfigSnapshot): void {
  const errors: FieldError[] = [];
  const calendar = snapshot.calendars.find((c) => c.name === policy.calendar);
  if (calendar === undefined) {
    errors.push(fieldError('body', ['calendar'], `There is no calendar named '${policy.calendar}'`));
  } else if (calendar.workingHours !== undefined) {
    for (const { clock, target } of targetsInDays(policy)) {
      errors.push(
        fieldError(
          'body',
          ['targets', clock],
          `'${target}' is in days, which are ambiguous in business time: calendar '${calendar.name}' counts only its working hours, so write business days as hours (PT24H is three 8-hour days)`,
        ),
      );
    }
  }
  if (errors.length > 0) throw validationFailed(errors);

  for (const other of snapshot.policies) {
    if (other.name === policy.name) continue;
    const clocks = contestedClocks(policy, other);
    if (clocks.length > 0) {
      throw conflict(
        'duplicate-policy-scope',
        'Another policy has this scope',
        `SLA policy '${other.name}' already sets the ${clocks.join(' and ')} target${clocks.length === 1 ? '' : 's'} for exactly these incidents (the same appliesTo); change that policy, or narrow or widen this one's appliesTo`,
        { policy: other.name },
      );
    }
  }
}

/** Checked inside the write's transaction, so neither can disappear before the commit. */
function referenceChecks(policy: SlaPolicy): FieldCheck[] {
  const checks: FieldCheck[] = [
    {
      item: { ConditionCheck: { TableName: TABLE_NAME, Key: configKey('calendar', policy.calendar), ConditionExpression: 'attribute_exists(pk)' } },
      refusal: () => ({ path: ['calendar'], message: `There is no calendar named '${policy.calendar}'` }),
    },
  ];
  const service = policy.appliesTo.service;
  if (service !== undefined) {
    checks.push({
      item: directoryRecordLive(serviceKey(service)),
      refusal: () => ({ path: ['appliesTo', 'service'], message: `There is no service named '${service}'` }),
    });
  }
  return checks;
}

const policies: ConfigResource<SlaPolicy> = {
  kind: 'policy',
  label: 'SLA policy',
  basePath: '/sla-policies',
  fields: historyFields(slaPolicySchema.shape),
  createBody: createSlaPolicyBody,
  replaceBody: replaceSlaPolicyBody,
  canonical: canonicalPolicy,
  checkAgainst,
  references: referenceChecks,
};

export const handler = httpHandler(
  byRoute({
    'GET /sla-policies': list(policies),
    'GET /sla-policies/{name}': get(policies),
    'POST /sla-policies': create(policies),
    'PUT /sla-policies/{name}': replace(policies),
    'DELETE /sla-policies/{name}': remove(policies),
  }),
);
