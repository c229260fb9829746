import type * as z from 'zod';
import { getSingleton, putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { type FieldError, fieldError, validationFailed } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { named } from '../../shared/store/transaction.ts';
import { validateRiskRules } from '../domain/risk.ts';
import { putChangeConfigBody } from '../schemas/config.ts';
import {
  boardGroups,
  CHANGE_CONFIG_FIELDS,
  CHANGE_CONFIG_ITEM,
  type ChangeConfig,
  canonicalChangeConfig,
  changeConfigItems,
  groupExistsCheck,
  loadChangeConfig,
} from '../store/change-config-store.ts';

/*
 * /change-config: who approves changes (the boards are groups), the CAB quorum, how long approvals
 * wait and how often they remind, and the risk rules. Deployment configuration kept in the table,
 * so admins change it without a deploy; agents read it (it explains a change's risk and route).
 * It applies to changes submitted afterwards: a submitted change keeps the risk it was given and
 * the approval round it was sent to.
 */

const changeConfig: SingletonResource<ChangeConfig, ChangeConfig, undefined, z.infer<typeof putChangeConfigBody>> = {
  access: { readDenied: 'Only agents and admins can read the change configuration', writeDenied: 'Only admins can change the change configuration' },
  fields: CHANGE_CONFIG_FIELDS,
  keyOf: () => undefined,
  load: loadChangeConfig,
  fieldsOf: (body) => canonicalChangeConfig({ ...body, version: 0 }),
  // The risk rules' own rules (non-negative integer points, distinct band thresholds, medium
  // below high) are the domain's: one validator for every writer, each violation at its path.
  checkShape: (config) => {
    const violations = validateRiskRules(config.riskRules);
    if (violations.length > 0) throw validationFailed(violations.map((p) => fieldError('body', ['riskRules', ...p.path], p.message)));
  },
  // The boards must exist at the instant of the commit: checked inside the transaction.
  validate: (config) => {
    const groups = [...boardGroups(config)];
    return {
      items: groups.map(([name]) => named(`group:${name}`, groupExistsCheck(name))),
      errors: (refused): FieldError[] =>
        groups.flatMap(([name, fields]) =>
          refused.has(`group:${name}`) ? fields.map((field) => fieldError('body', [field], `There is no group named '${name}'`)) : [],
        ),
    };
  },
  record: (config, { at, version }) => ({ ...config, updatedAt: at, version }),
  writeItems: (config, expected, actor, changes) => changeConfigItems(config, expected, actor, changes),
  itemName: CHANGE_CONFIG_ITEM,
};

export const handler = httpHandler(
  byRoute({
    'GET /change-config': getSingleton(changeConfig),
    'PUT /change-config': putSingleton(changeConfig, putChangeConfigBody),
  }),
);
