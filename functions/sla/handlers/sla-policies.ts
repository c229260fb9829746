import type * as z from 'zod';
import { serviceKey } from '../../directory/store/keys.ts';
import { conflict, type FieldError, fieldError, forbidden, notFound, preconditionFailed, preconditionRequired, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { TABLE_NAME, type TransactItem, TransactionRefused, transactWrite } from '../../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { durationUsesDays } from '../domain/duration.ts';
import { CLOCK_NAMES, type SlaPolicy } from '../domain/types.ts';
import { configListQuery } from '../schemas/calendar.ts';
import { createSlaPolicyBody, replaceSlaPolicyBody, slaPolicySchema } from '../schemas/sla-policy.ts';
import {
  canonicalPolicy,
  configChangeItems,
  configKey,
  getConfigRecord,
  listConfigRecords,
  contestedClocks,
  readSlaConfig,
  type SlaConfigSnapshot,
  type SlaPolicyRecord,
  withRevisionRetry,
} from '../store/config-store.ts';

/*
 * /sla-policies: which targets apply to which incidents, counted in which calendar. Policies
 * apply to incidents opened (or re-prioritized, re-categorized, moved to another service) after
 * the change; running clocks keep the policy they started with.
 */

type PolicyFields = z.output<typeof replaceSlaPolicyBody>;
const FIELDS = Object.keys(slaPolicySchema.shape).filter((f) => !['name', 'createdAt', 'updatedAt', 'version'].includes(f));
/** Records are plain JSON: compared field by field for their history. */
const diff = (before: object, after: object) => diffFields(before as Record<string, unknown>, after as Record<string, unknown>, FIELDS);

const requireAgent = (request: ApiRequest) => {
  if (!request.principal.isAgent) throw forbidden('Only agents and admins can read SLA configuration');
};
const requireAdmin = (request: ApiRequest) => {
  if (!request.principal.isAdmin) throw forbidden('Only admins can change SLA configuration');
};

const present = (record: SlaPolicyRecord, status = 200): ApiResult => ({
  status,
  body: record,
  headers: { etag: etagOf(record.version), location: `/sla-policies/${encodeURIComponent(record.name)}` },
});

/** Rules that need the rest of the configuration: its calendar, and the other policies' scopes. */
function checkAgainst(policy: SlaPolicy, snapshot: SlaConfigSnapshot): void {
  const errors: FieldError[] = [];
  const calendar = snapshot.calendars.find((c) => c.name === policy.calendar);
  if (calendar === undefined) {
    errors.push(fieldError('body', ['calendar'], `There is no calendar named '${policy.calendar}'`));
  } else if (calendar.workingHours !== undefined) {
    for (const clock of CLOCK_NAMES) {
      const target = policy.targets[clock];
      if (target !== undefined && durationUsesDays(target)) {
        errors.push(
          fieldError(
            'body',
            ['targets', clock],
            `'${target}' is in days, which are ambiguous in business time: calendar '${calendar.name}' counts only its working hours, so write business days as hours (PT24H is three 8-hour days)`,
          ),
        );
      }
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

interface ReferenceCheck {
  item: TransactItem;
  path: (string | number)[];
  message: string;
}

/** Checked inside the write's transaction, so neither can disappear before the commit. */
function referenceChecks(policy: SlaPolicy): ReferenceCheck[] {
  const checks: ReferenceCheck[] = [
    {
      item: { ConditionCheck: { TableName: TABLE_NAME, Key: configKey('calendar', policy.calendar), ConditionExpression: 'attribute_exists(pk)' } },
      path: ['calendar'],
      message: `There is no calendar named '${policy.calendar}'`,
    },
  ];
  const service = policy.appliesTo.service;
  if (service !== undefined) {
    checks.push({
      item: { ConditionCheck: { TableName: TABLE_NAME, Key: serviceKey(service), ConditionExpression: 'attribute_exists(pk)' } },
      path: ['appliesTo', 'service'],
      message: `There is no service named '${service}'`,
    });
  }
  return checks;
}

/** Refusals of the reference checks (placed at `offset`), as field errors; rethrows anything else. */
function rethrowReferences(error: unknown, checks: ReferenceCheck[], offset: number): void {
  if (!(error instanceof TransactionRefused)) return;
  const errors = checks.flatMap((check, i) => (error.failedAt(offset + i) === undefined ? [] : [fieldError('body', check.path, check.message)]));
  if (errors.length > 0) throw validationFailed(errors);
}

function lostRecord(error: unknown, name: string): void {
  const refused = error instanceof TransactionRefused ? error.failedAt(0) : undefined;
  if (refused === undefined) return;
  if (refused.item === undefined) throw notFound(`SLA policy ${name}`);
  throw preconditionFailed(etagOf(Number(refused.item.version)));
}

async function create(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request);
  const body = request.body(createSlaPolicyBody);
  const claim = claimIdempotencyKey(request, body);
  const policy = canonicalPolicy(body);
  return withRevisionRetry(async () => {
    const snapshot = await readSlaConfig();
    checkAgainst(policy, snapshot);
    const at = new Date().toISOString();
    const record: SlaPolicyRecord = { ...policy, createdAt: at, updatedAt: at, version: 1 };
    const items = configChangeItems(
      { kind: 'policy', name: policy.name, action: 'created', record, changes: diff({}, record), actor: request.principal.userId, at },
      snapshot.revision,
    );
    const checks = referenceChecks(policy);
    try {
      return await commitIdempotently([...items, ...checks.map((c) => c.item)], claim, present(record, 201));
    } catch (error) {
      if (error instanceof TransactionRefused && error.failedAt(0) !== undefined) {
        throw conflict('already-exists', 'Already exists', `SLA policy '${policy.name}' already exists`);
      }
      rethrowReferences(error, checks, items.length);
      throw error;
    }
  });
}

async function replace(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request);
  const name = request.pathParam('name');
  const expected = request.expectedVersion();
  const fields: PolicyFields = request.body(replaceSlaPolicyBody);
  const policy = canonicalPolicy({ name, ...fields });
  return withRevisionRetry(async () => {
    const snapshot = await readSlaConfig();
    const current = snapshot.policies.find((p) => p.name === name);
    if (current === undefined) throw notFound(`SLA policy ${name}`);
    if (current.version !== expected) throw preconditionFailed(etagOf(current.version));
    const changes = diff(current, policy);
    if (changes.length === 0) return present(current);
    checkAgainst(policy, snapshot);
    const at = new Date().toISOString();
    const record: SlaPolicyRecord = { ...policy, createdAt: current.createdAt, updatedAt: at, version: current.version + 1 };
    const items = configChangeItems(
      { kind: 'policy', name, action: 'updated', record, expectedVersion: expected, changes, actor: request.principal.userId, at },
      snapshot.revision,
    );
    const checks = referenceChecks(policy);
    try {
      await transactWrite([...items, ...checks.map((c) => c.item)]);
    } catch (error) {
      lostRecord(error, name);
      rethrowReferences(error, checks, items.length);
      throw error;
    }
    return present(record);
  });
}

async function remove(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request);
  const name = request.pathParam('name');
  if (request.header('if-match') === undefined) throw preconditionRequired();
  const expected = request.expectedVersion();
  return withRevisionRetry(async () => {
    const snapshot = await readSlaConfig();
    const current = snapshot.policies.find((p) => p.name === name);
    if (current === undefined) throw notFound(`SLA policy ${name}`);
    if (current.version !== expected) throw preconditionFailed(etagOf(current.version));
    const items = configChangeItems(
      { kind: 'policy', name, action: 'deleted', expectedVersion: expected, changes: [], actor: request.principal.userId, at: new Date().toISOString() },
      snapshot.revision,
    );
    try {
      await transactWrite(items);
    } catch (error) {
      lostRecord(error, name);
      throw error;
    }
    return { status: 204 };
  });
}

export const handler = httpHandler(
  byRoute({
    'GET /sla-policies': async (request) => {
      requireAgent(request);
      const { limit, cursor } = request.query(configListQuery);
      return { status: 200, body: await listConfigRecords('policy', limit, cursor) };
    },
    'GET /sla-policies/{name}': async (request) => {
      requireAgent(request);
      const name = request.pathParam('name');
      const record = await getConfigRecord('policy', name);
      if (record === undefined) throw notFound(`SLA policy ${name}`);
      return present(record);
    },
    'POST /sla-policies': create,
    'PUT /sla-policies/{name}': replace,
    'DELETE /sla-policies/{name}': remove,
  }),
);
