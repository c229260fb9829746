import type * as z from 'zod';
import { serviceKey } from '../../directory/store/keys.ts';
import { missingRecords, SERVICES } from '../../directory/store/records.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { fieldCommitChecks, getSingleton, putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { fieldError, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { assertProblemAgent } from '../access.ts';
import type { ProblemConfig } from '../domain/recurrence.ts';
import { putProblemConfigBody } from '../schemas/recurrence.ts';
import { canonicalProblemConfig, loadProblemConfig, PROBLEM_CONFIG_FIELDS, PROBLEM_CONFIG_ITEM, problemConfigItems } from '../store/problem-config-store.ts';

/*
 * /problem-config: when recurring incidents make a problem candidate (the default rule and the
 * services with their own). Agents read it (it explains why a candidate was, or was not, found);
 * admins change it. A change applies to incidents counted afterwards: recorded candidates keep
 * the rule they were found with.
 */

/**
 * Services a write may check inside its transaction (it holds at most 100 items): beyond this,
 * services added in one write are only read before it (docs/directory.md).
 */
const MAX_CHECKED_NEW_SERVICES = 90;

/**
 * The services a write names anew, checked in its transaction: each exists and is not being
 * deleted, so a service whose delete is looking for what names it cannot come to be named here.
 * Services the configuration keeps need no check: that delete finds them in either version.
 */
const addedServiceChecks = (current: ProblemConfig, next: ProblemConfig) =>
  fieldCommitChecks(
    Object.keys(next.services)
      .filter((name) => !Object.hasOwn(current.services, name))
      .slice(0, MAX_CHECKED_NEW_SERVICES)
      .map((name) => ({
        item: directoryRecordLive(serviceKey(name)),
        refusal: (old) => ({
          path: ['services', name],
          message: old === undefined ? `There is no service named '${name}'` : `Service '${name}' is being deleted`,
        }),
      })),
  );

const problemConfig: SingletonResource<ProblemConfig, ProblemConfig, undefined, z.infer<typeof putProblemConfigBody>> = {
  access: { readDenied: 'Only agents and admins can read the problem configuration', writeDenied: 'Only admins can change the problem configuration' },
  fields: PROBLEM_CONFIG_FIELDS,
  keyOf: () => undefined,
  load: loadProblemConfig,
  fieldsOf: (body) => canonicalProblemConfig({ ...body, version: 0 }),
  // A rule for a service nobody has is a typo: each is named at its path.
  checkShape: async (config) => {
    const names = Object.keys(config.services);
    const missing = names.length === 0 ? new Set<string>() : await missingRecords(SERVICES, names);
    if (missing.size > 0) {
      throw validationFailed(
        names.filter((name) => missing.has(name)).map((name) => fieldError('body', ['services', name], `There is no service named '${name}'`)),
      );
    }
  },
  validate: (config, { current }) => addedServiceChecks(current, config),
  record: (config, { at, version }) => ({ ...config, updatedAt: at, version }),
  writeItems: (config, expected, actor, changes) => problemConfigItems(config, expected, actor, changes),
  itemName: PROBLEM_CONFIG_ITEM,
};

/** To requesters problem management does not exist: 404 before anything else (agents still get 403 on PUT). */
const agentsOnly =
  (route: (request: ApiRequest) => Promise<ApiResult>) =>
  (request: ApiRequest): Promise<ApiResult> => {
    assertProblemAgent(request.principal, 'Problem configuration');
    return route(request);
  };

export const handler = httpHandler(
  byRoute({
    'GET /problem-config': agentsOnly(getSingleton(problemConfig)),
    'PUT /problem-config': agentsOnly(putSingleton(problemConfig, putProblemConfigBody)),
  }),
);
