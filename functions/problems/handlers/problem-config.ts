import { missingRecords, SERVICES } from '../../directory/store/records.ts';
import { fieldError, forbidden, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import type { ProblemConfig } from '../domain/recurrence.ts';
import { putProblemConfigBody } from '../schemas/recurrence.ts';
import { canonicalProblemConfig, loadProblemConfig, PROBLEM_CONFIG_FIELDS, PROBLEM_CONFIG_ITEM, problemConfigItems } from '../store/problem-config-store.ts';

/*
 * /problem-config: when recurring incidents make a problem candidate (the default rule and the
 * services with their own). Agents read it (it explains why a candidate was, or was not, found);
 * admins change it. A change applies to incidents counted afterwards: recorded candidates keep
 * the rule they were found with.
 */

const present = (config: ProblemConfig): ApiResult => ({ status: 200, body: config, headers: { etag: etagOf(config.version) } });

export const handler = httpHandler(
  byRoute({
    'GET /problem-config': async (request) => {
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read the problem configuration');
      return present(await loadProblemConfig());
    },

    'PUT /problem-config': async (request) => {
      if (!request.principal.isAdmin) throw forbidden('Only admins can change the problem configuration');
      const ifMatch = request.ifMatch();
      const body = request.body(putProblemConfigBody);
      // A rule for a service nobody has is a typo: each is named at its path.
      const names = Object.keys(body.services);
      const missing = names.length === 0 ? new Set<string>() : await missingRecords(SERVICES, names);
      if (missing.size > 0) {
        throw validationFailed(
          names.filter((name) => missing.has(name)).map((name) => fieldError('body', ['services', name], `There is no service named '${name}'`)),
        );
      }

      const current = await loadProblemConfig();
      const expected = ifMatch.check(current.version);
      const next = canonicalProblemConfig({ ...body, version: current.version });
      const changes = diffFields({ ...current }, { ...next }, PROBLEM_CONFIG_FIELDS);
      if (changes.length === 0) return present(current);

      const config: ProblemConfig = { ...next, updatedAt: new Date().toISOString(), version: expected + 1 };
      try {
        await transactWrite(problemConfigItems(config, expected, request.principal.userId, changes));
      } catch (error) {
        if (error instanceof TransactionRefused && error.has(PROBLEM_CONFIG_ITEM)) {
          const stored = error.item(PROBLEM_CONFIG_ITEM);
          throw preconditionFailed(stored === undefined ? undefined : etagOf(Number(stored.version)));
        }
        throw error;
      }
      return present(config);
    },
  }),
);
