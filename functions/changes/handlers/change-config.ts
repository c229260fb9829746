import { type FieldError, fieldError, forbidden, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { named, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
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

const present = (config: ChangeConfig): ApiResult => ({ status: 200, body: config, headers: { etag: etagOf(config.version) } });

export const handler = httpHandler(
  byRoute({
    'GET /change-config': async (request) => {
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read the change configuration');
      return present(await loadChangeConfig());
    },

    'PUT /change-config': async (request) => {
      if (!request.principal.isAdmin) throw forbidden('Only admins can change the change configuration');
      const ifMatch = request.ifMatch();
      const body = request.body(putChangeConfigBody);
      // The risk rules' own rules (non-negative integer points, distinct band thresholds, medium
      // below high) are the domain's: one validator for every writer, each violation at its path.
      const violations = validateRiskRules(body.riskRules);
      if (violations.length > 0) throw validationFailed(violations.map((p) => fieldError('body', ['riskRules', ...p.path], p.message)));

      const current = await loadChangeConfig();
      const expected = ifMatch.check(current.version);
      const next = canonicalChangeConfig({ ...body, version: current.version });
      const changes = diffFields({ ...current }, { ...next }, CHANGE_CONFIG_FIELDS);
      if (changes.length === 0) return present(current);

      const config: ChangeConfig = { ...next, updatedAt: new Date().toISOString(), version: expected + 1 };
      const items = changeConfigItems(config, expected, request.principal.userId, changes);
      // The boards must exist at the instant of the commit: checked inside the transaction.
      const groups = [...boardGroups(config)];
      try {
        await transactWrite([...items, ...groups.map(([name]) => named(`group:${name}`, groupExistsCheck(name)))]);
      } catch (error) {
        if (!(error instanceof TransactionRefused)) throw error;
        const errors: FieldError[] = groups.flatMap(([name, fields]) =>
          error.has(`group:${name}`) ? fields.map((field) => fieldError('body', [field], `There is no group named '${name}'`)) : [],
        );
        if (errors.length > 0) throw validationFailed(errors);
        if (error.has(CHANGE_CONFIG_ITEM)) {
          const current = error.item(CHANGE_CONFIG_ITEM);
          throw preconditionFailed(current === undefined ? undefined : etagOf(Number(current.version)));
        }
        throw error;
      }
      return present(config);
    },
  }),
);
