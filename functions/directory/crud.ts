import type * as z from 'zod';
import { conflict, forbidden, notFound, HttpError, preconditionFailed, preconditionRequired, validationFailed } from '../shared/errors.ts';
import { type ApiRequest, type ApiResult, etagOf } from '../shared/http/handler.ts';
import type { Principal } from '../shared/http/principal.ts';
import { diffFields } from '../shared/store/audit.ts';
import { TABLE_NAME, TransactionRefused, type TransactItem, transactWrite } from '../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../shared/store/idempotency.ts';
import { directoryListQuery } from './schemas/directory.ts';
import { type ReferenceChecks, referenceErrors } from './store/references.ts';
import {
  createRecordItems,
  deleteRecordItems,
  getRecord,
  listRecords,
  type RecordKind,
  replaceRecordItems,
  retireRecord,
  unretireRecord,
  type VersionedRecord,
} from './store/records.ts';

/** What differs between groups, services and users; everything else is the same CRUD. */
export interface DirectoryResource {
  readonly kind: RecordKind;
  readonly label: string;
  /** The path parameter and the record attribute holding the id (`name` or `id`). */
  readonly idParam: string;
  readonly idField: string;
  readonly basePath: string;
  /** Fields tracked in history. */
  readonly fields: readonly string[];
  /** Reads and checks that must hold for `fields` to be stored; checks travel in the transaction. */
  readonly validate?: (fields: Record<string, unknown>, current?: VersionedRecord) => Promise<ReferenceChecks | undefined>;
  /** Requesters may read it too (services: they name one when raising an incident). */
  readonly readableByRequesters?: boolean;
  /**
   * Runs while the record is marked as being deleted: refuses (409) a delete that would leave
   * dangling references, or returns the writes that cascade with it, for the same transaction.
   */
  readonly beforeDelete?: (id: string, context: { actor: string; now: string }) => Promise<TransactItem[] | undefined>;
  /** Items that belong to the record and go with it, in the same transaction (absent ones are fine). */
  readonly ownedItems?: (id: string) => readonly { pk: string; sk: string }[];
}

const NO_CHECKS: ReferenceChecks = { items: [], failures: [] };

export const requireReader = (principal: Principal, resource: DirectoryResource): void => {
  if (!principal.isAgent && resource.readableByRequesters !== true) throw forbidden(`Only agents and admins can read ${resource.basePath}`);
};
export const requireAdmin = (principal: Principal): void => {
  if (!principal.isAdmin) throw forbidden('Only admins can change the directory');
};

const present = (result: VersionedRecord, resource: DirectoryResource, status = 200): ApiResult => ({
  status,
  body: result,
  headers: { etag: etagOf(result.version), location: `${resource.basePath}/${encodeURIComponent(String(result[resource.idField]))}` },
});

async function commit(
  items: Parameters<typeof transactWrite>[0],
  checks: ReferenceChecks,
  onConditionFailed: () => never,
  run: (all: typeof items) => Promise<ApiResult>,
) {
  try {
    return await run([...items, ...checks.items]);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = referenceErrors(error, checks, items.length);
      if (errors.length > 0) throw validationFailed(errors);
      if (error.failedAt(0) !== undefined) onConditionFailed();
    }
    throw error;
  }
}

export function list(resource: DirectoryResource) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireReader(request.principal, resource);
    const { limit, cursor } = request.query(directoryListQuery);
    return { status: 200, body: await listRecords(resource.kind, limit, cursor) };
  };
}

export function get(resource: DirectoryResource) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireReader(request.principal, resource);
    const id = request.pathParam(resource.idParam);
    const record = await getRecord(resource.kind, id);
    if (record === undefined) throw notFound(`${resource.label} ${id}`);
    return present(record, resource);
  };
}

/** Creates a record whose id comes from the body (`name`) or from the path (users). */
export async function createRecord(
  request: ApiRequest,
  resource: DirectoryResource,
  id: string,
  fields: Record<string, unknown>,
  claimBody: unknown,
): Promise<ApiResult> {
  requireAdmin(request.principal);
  const claim = claimIdempotencyKey(request, claimBody);
  const checks = (await resource.validate?.(fields)) ?? NO_CHECKS;
  const now = new Date().toISOString();
  const record: VersionedRecord = { [resource.idField]: id, ...fields, createdAt: now, updatedAt: now, version: 1 };
  const items = createRecordItems(resource.kind, id, record, request.principal.userId, diffFields({}, record, resource.fields));
  return commit(
    items,
    checks,
    () => {
      throw conflict('already-exists', 'Already exists', `${resource.label} '${id}' already exists`);
    },
    (all) => commitIdempotently(all, claim, present(record, resource, 201)),
  );
}

export function create<S extends z.ZodType>(resource: DirectoryResource, schema: S) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAdmin(request.principal);
    const body = request.body(schema) as Record<string, unknown>;
    const { [resource.idField]: id, ...fields } = body;
    return createRecord(request, resource, String(id), fields, body);
  };
}

export async function replaceRecord(request: ApiRequest, resource: DirectoryResource, id: string, fields: Record<string, unknown>): Promise<ApiResult> {
  requireAdmin(request.principal);
  const ifMatch = request.ifMatch();
  const current = await getRecord(resource.kind, id);
  if (current === undefined) throw notFound(`${resource.label} ${id}`);
  const expected = ifMatch.check(current.version);
  const changes = diffFields(current, fields, resource.fields);
  if (changes.length === 0) return present(current, resource);
  const checks = (await resource.validate?.(fields, current)) ?? NO_CHECKS;
  const record: VersionedRecord = {
    [resource.idField]: id,
    ...fields,
    createdAt: current.createdAt,
    updatedAt: new Date().toISOString(),
    version: current.version + 1,
  };
  const items = replaceRecordItems(resource.kind, id, record, expected, request.principal.userId, changes);
  return commit(
    items,
    checks,
    () => {
      throw preconditionFailed();
    },
    async (all) => {
      await transactWrite(all);
      return present(record, resource);
    },
  );
}

export function replace<S extends z.ZodType>(resource: DirectoryResource, schema: S) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAdmin(request.principal);
    const fields = request.body(schema) as Record<string, unknown>;
    return replaceRecord(request, resource, request.pathParam(resource.idParam), fields);
  };
}

/**
 * How long a delete may take between marking the record and committing. Past it the marker lapses
 * on its own (a delete that died half way does not block the record), and the delete is refused.
 */
const RETIRING_MS = 30_000;
/** A group the cascade rewrites changed meanwhile: look again, a few times. */
const DELETE_ATTEMPTS = 3;

const deleteContended = (resource: DirectoryResource, id: string): HttpError =>
  new HttpError(
    409,
    'delete-contended',
    'Delete contended',
    `${resource.label} '${id}' was not deleted: ${DELETE_ATTEMPTS} times, what the delete changes with it (such as the groups a user leaves) changed while it ran, or it ran longer than its mark holds; nothing was changed, send the same request again`,
    {},
    { 'retry-after': '1' },
  );

/**
 * Marks the record as being deleted (new references to it are refused from then on), looks for
 * what still names it, then deletes it at the version read, with what cascades, in one
 * transaction that holds only while the mark is still there. A refusal takes the mark back.
 */
export function remove(resource: DirectoryResource) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAdmin(request.principal);
    const id = request.pathParam(resource.idParam);
    if (request.header('if-match') === undefined) throw preconditionRequired();
    const ifMatch = request.ifMatch();
    // `*` names no version: delete the one that exists now, conditioned on it like any other.
    const expected = ifMatch.version ?? (await getRecord(resource.kind, id))?.version;
    if (expected === undefined) throw notFound(`${resource.label} ${id}`);
    const actor = request.principal.userId;
    for (let attempt = 1; ; attempt++) {
      const until = new Date(Date.now() + RETIRING_MS).toISOString();
      const marked = await retireRecord(resource.kind, id, expected, until);
      if (!marked.retired) {
        if (marked.current === undefined) throw notFound(`${resource.label} ${id}`);
        throw preconditionFailed(etagOf(marked.current.version));
      }
      const now = new Date().toISOString();
      const owned = (resource.ownedItems?.(id) ?? []).map((Key) => ({ Delete: { TableName: TABLE_NAME, Key } }));
      try {
        const cascade = (await resource.beforeDelete?.(id, { actor, now })) ?? [];
        // The mark must still hold when the delete commits, not only when the look began.
        const deleteItems = deleteRecordItems(resource.kind, id, expected, actor, new Date().toISOString(), until);
        await transactWrite([...deleteItems, ...owned, ...cascade]);
        return { status: 204 };
      } catch (error) {
        await unretireRecord(resource.kind, id, until);
        if (!(error instanceof TransactionRefused)) throw error;
        const refused = error.failedAt(0);
        if (refused !== undefined) {
          if (refused.item === undefined) throw notFound(`${resource.label} ${id}`);
          if (refused.item.version !== expected) throw preconditionFailed(etagOf(refused.item.version as number));
          // Still at the version read, but our mark lapsed or was replaced: the delete took too long.
        }
        // What the delete cascades into kept changing under it: nothing was written, and the
        // caller's request was sound, so it is a conflict to retry, not a server fault.
        if (attempt === DELETE_ATTEMPTS) throw deleteContended(resource, id);
      }
    }
  };
}
