import type * as z from 'zod';
import { conflict, forbidden, HttpError, notFound, preconditionFailed, preconditionRequired, validationFailed } from '../errors.ts';
import { type ApiRequest, type ApiResult, etagOf, type IfMatch } from '../http/handler.ts';
import type { Principal } from '../http/principal.ts';
import { diffFields, type FieldDiff } from '../store/audit.ts';
import { TABLE_NAME } from '../store/db.ts';
import { type FieldCheck, fieldCheckErrors, fieldCheckItems } from '../store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently } from '../store/idempotency.ts';
import type { Page } from '../store/pagination.ts';
import { type RetryOptions, retryOnConflict } from '../store/retry.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../store/transaction.ts';

/*
 * The CRUD of directory-like resources: records an admin keeps by name or id (groups, services,
 * users; calendars and SLA policies; change templates and blackout windows). One flow for all:
 * roles, ETag and If-Match (412, 428 on delete), Idempotency-Key on create, history, checks that
 * travel in the write's transaction (400 naming the field), 409 for a taken id, list pages. What
 * differs lives in the resource (its rules) and its RecordStore (its items, how a write is kept
 * consistent with the rest: a snapshot and revision for the SLA configuration, a delete hold for
 * the directory). A write's own item is named by the store, so refusals map by name.
 */

/** A stored record: its fields, with the id first, and its version metadata. */
export interface CrudRecord {
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

export type Fields = Record<string, unknown>;

/** What a write knows besides the record: the snapshot it was validated against, who, when. */
export interface WriteContext<S> {
  readonly snapshot: S;
  readonly actor: string;
  readonly at: string;
}

/**
 * A directory delete first marks the record (writes naming it are refused from then on), looks for
 * what still names it, and commits only while the mark holds; a refusal takes the mark back.
 */
export interface DeleteHold {
  /** How long a delete may take between marking and committing; past it the mark lapses on its own. */
  readonly holdMs: number;
  /** How often a delete whose cascade changed under it looks again before answering 409 delete-contended. */
  readonly attempts: number;
  /** Marks the record at `expectedVersion` until `until`; otherwise the record as it is (undefined: there is none). */
  mark(id: string, expectedVersion: number, until: string): Promise<{ held: true } | { held: false; current?: CrudRecord }>;
  release(id: string, until: string): Promise<void>;
}

/** How one kind of record is stored; each area's store implements it. */
export interface RecordStore<S = undefined> {
  /** Reads what every write is validated against and commits with (read again on a retry); absent: nothing. */
  readonly snapshot?: () => Promise<S>;
  /** Writes made against a snapshot that another write overtook: run the whole write again. */
  readonly retry?: Pick<RetryOptions, 'attempts' | 'isConflict'>;
  /** Deletes under a hold instead of at the version the snapshot shows. */
  readonly deleteHold?: DeleteHold;
  /** One strongly consistent read, for GET. */
  get(id: string): Promise<CrudRecord | undefined>;
  /** The record a replace or delete starts from: in the snapshot, or read. */
  current(id: string, snapshot: S): Promise<CrudRecord | undefined>;
  list(limit: number, cursor: string | undefined): Promise<Page<CrudRecord>>;
  /** The name of the record's own item in its writes (refused: taken, moved or gone; ALL_OLD on a replace or delete). */
  recordItemName(id: string): string;
  createItems(id: string, record: CrudRecord, changes: FieldDiff[], context: WriteContext<S>): TransactionEntry[];
  replaceItems(id: string, record: CrudRecord, expectedVersion: number, changes: FieldDiff[], context: WriteContext<S>): TransactionEntry[];
  /** `heldUntil`: the delete's hold, which must still be there at commit (deleteHold). */
  deleteItems(id: string, expectedVersion: number, context: WriteContext<S>, heldUntil?: string): TransactionEntry[];
}

export interface CrudResource<S = undefined> {
  readonly label: string;
  readonly basePath: string;
  /** The path parameter and the record attribute holding the id (`name` or `id`). */
  readonly idParam: string;
  readonly idField: string;
  /** Fields tracked in history. */
  readonly fields: readonly string[];
  readonly store: RecordStore<S>;
  readonly access: {
    /** Requesters may read it too (services: they name one when raising an incident). */
    readonly readableByRequesters?: boolean;
    readonly readDenied: string;
    readonly writeDenied: string;
  };
  readonly listQuery: z.ZodType<{ limit: number; cursor?: string | undefined }>;
  /** The fields in their stored, documented form; may refuse them (400) before anything is read. */
  readonly canonical?: (fields: Fields, id: string) => Fields;
  /** Checks of the fields alone: on create before any read, on replace once there is a change. */
  readonly checkShape?: (fields: Fields, id: string) => void;
  /** Rules against the rest (400, 409), and the checks that travel in the write's transaction. */
  readonly validate?: (
    fields: Fields,
    context: { readonly id: string; readonly snapshot: S; readonly current?: CrudRecord; readonly action: 'created' | 'updated' },
  ) => Promise<readonly FieldCheck[] | undefined> | readonly FieldCheck[] | undefined;
  /** Refuses (409) a delete that would leave dangling references, or returns the writes that cascade with it. */
  readonly beforeDelete?: (
    id: string,
    context: { readonly snapshot: S; readonly actor: string; readonly now: string },
  ) => Promise<readonly TransactionEntry[] | undefined> | readonly TransactionEntry[] | undefined;
  /** Items that belong to the record and go with it, in the same transaction (absent ones are fine). */
  readonly ownedItems?: (id: string) => readonly { pk: string; sk: string }[];
}

// Each flow takes any resource; S only ties a resource's hooks to its own store.
// biome-ignore lint/suspicious/noExplicitAny: the snapshot type is the resource's own business
type AnyResource = CrudResource<any>;

export const requireReader = (principal: Principal, resource: AnyResource): void => {
  if (!principal.isAgent && resource.access.readableByRequesters !== true) throw forbidden(resource.access.readDenied);
};
export const requireWriter = (principal: Principal, resource: AnyResource): void => {
  if (!principal.isAdmin) throw forbidden(resource.access.writeDenied);
};

const present = (record: CrudRecord, resource: AnyResource, status = 200): ApiResult => ({
  status,
  body: record,
  headers: { etag: etagOf(record.version), location: `${resource.basePath}/${encodeURIComponent(String(record[resource.idField]))}` },
});

const snapshotOf = <S>(store: RecordStore<S>): Promise<S> => (store.snapshot === undefined ? Promise.resolve(undefined as S) : store.snapshot());

/** Runs a write once, or again while the store says another write overtook its snapshot. */
const withRetry = <S, T>(store: RecordStore<S>, run: () => Promise<T>): Promise<T> => (store.retry === undefined ? run() : retryOnConflict(run, store.retry));

/**
 * A refused write of the record: the id was taken (create: 409), or the record moved (412 with its
 * ETag) or went (404) after it was read; then the field checks that failed (400). Anything else is
 * left to the caller.
 */
function rethrowRefusal(error: unknown, resource: AnyResource, id: string, checks: readonly FieldCheck[], action: 'created' | 'updated' | 'deleted'): void {
  if (!(error instanceof TransactionRefused)) return;
  const name = resource.store.recordItemName(id);
  if (error.has(name)) {
    if (action === 'created') throw conflict('already-exists', 'Already exists', `${resource.label} '${id}' already exists`);
    const current = error.item(name);
    if (current === undefined) throw notFound(`${resource.label} ${id}`);
    throw preconditionFailed(etagOf(Number(current.version)));
  }
  const errors = fieldCheckErrors(error, checks);
  if (errors.length > 0) throw validationFailed(errors);
}

export function list(resource: AnyResource) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireReader(request.principal, resource);
    const { limit, cursor } = request.query(resource.listQuery);
    return { status: 200, body: await resource.store.list(limit, cursor) };
  };
}

export function get(resource: AnyResource) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireReader(request.principal, resource);
    const id = request.pathParam(resource.idParam);
    const record = await resource.store.get(id);
    if (record === undefined) throw notFound(`${resource.label} ${id}`);
    return present(record, resource);
  };
}

/** The body's fields but the id, in their canonical form. */
function fieldsOf(resource: AnyResource, body: Fields, id: string): Fields {
  const { [resource.idField]: _id, ...fields } = body;
  return resource.canonical === undefined ? fields : resource.canonical(fields, id);
}

/** POST: the id comes from the body (`name`). */
export function create(resource: AnyResource, schema: z.ZodType) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireWriter(request.principal, resource);
    const body = request.body(schema) as Fields;
    const id = String(body[resource.idField]);
    return createRecord(request, resource, id, fieldsOf(resource, body, id), body);
  };
}

/** Creates a record; `claimBody` is what an Idempotency-Key replay is compared with. */
export async function createRecord<S>(request: ApiRequest, resource: CrudResource<S>, id: string, fields: Fields, claimBody: unknown): Promise<ApiResult> {
  requireWriter(request.principal, resource);
  const claim = claimIdempotencyKey(request, claimBody);
  resource.checkShape?.(fields, id);
  return withRetry(resource.store, async () => {
    const snapshot = await snapshotOf(resource.store);
    const checks = (await resource.validate?.(fields, { id, snapshot, action: 'created' })) ?? [];
    const at = new Date().toISOString();
    const record: CrudRecord = { [resource.idField]: id, ...fields, createdAt: at, updatedAt: at, version: 1 };
    const context = { snapshot, actor: request.principal.userId, at };
    const items = resource.store.createItems(id, record, diffFields({}, record, resource.fields), context);
    try {
      return await commitIdempotently([...items, ...fieldCheckItems(checks)], claim, present(record, resource, 201));
    } catch (error) {
      rethrowRefusal(error, resource, id, checks, 'created');
      throw error;
    }
  });
}

/** PUT with If-Match: the id comes from the path. */
export function replace(resource: AnyResource, schema: z.ZodType) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireWriter(request.principal, resource);
    request.ifMatch();
    const id = request.pathParam(resource.idParam);
    return replaceRecord(request, resource, id, fieldsOf(resource, request.body(schema) as Fields, id));
  };
}

/** Replaces the record at the version If-Match names; a body that changes nothing writes nothing. */
export async function replaceRecord<S>(request: ApiRequest, resource: CrudResource<S>, id: string, fields: Fields): Promise<ApiResult> {
  requireWriter(request.principal, resource);
  const ifMatch = request.ifMatch();
  return withRetry(resource.store, async () => {
    const snapshot = await snapshotOf(resource.store);
    const current = await resource.store.current(id, snapshot);
    if (current === undefined) throw notFound(`${resource.label} ${id}`);
    const expected = ifMatch.check(current.version);
    const changes = diffFields(current, fields, resource.fields);
    if (changes.length === 0) return present(current, resource);
    resource.checkShape?.(fields, id);
    const checks = (await resource.validate?.(fields, { id, snapshot, current, action: 'updated' })) ?? [];
    const at = new Date().toISOString();
    const record: CrudRecord = { [resource.idField]: id, ...fields, createdAt: current.createdAt, updatedAt: at, version: current.version + 1 };
    const items = resource.store.replaceItems(id, record, expected, changes, { snapshot, actor: request.principal.userId, at });
    try {
      await transactWrite([...items, ...fieldCheckItems(checks)]);
    } catch (error) {
      rethrowRefusal(error, resource, id, checks, 'updated');
      throw error;
    }
    return present(record, resource);
  });
}

const ownedDeletes = (resource: AnyResource, id: string): TransactionEntry[] =>
  (resource.ownedItems?.(id) ?? []).map((Key) => ({ Delete: { TableName: TABLE_NAME, Key } }));

/** DELETE: If-Match is required (428); `*` deletes whatever version exists now. */
export function remove(resource: AnyResource) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireWriter(request.principal, resource);
    const id = request.pathParam(resource.idParam);
    if (request.header('if-match') === undefined) throw preconditionRequired();
    const ifMatch = request.ifMatch();
    const hold = resource.store.deleteHold;
    if (hold !== undefined) return removeHeld(request, resource, hold, id, ifMatch);
    return withRetry(resource.store, async () => {
      const snapshot = await snapshotOf(resource.store);
      const current = await resource.store.current(id, snapshot);
      if (current === undefined) throw notFound(`${resource.label} ${id}`);
      const expected = ifMatch.check(current.version);
      const now = new Date().toISOString();
      const actor = request.principal.userId;
      const cascade = (await resource.beforeDelete?.(id, { snapshot, actor, now })) ?? [];
      try {
        await transactWrite([...resource.store.deleteItems(id, expected, { snapshot, actor, at: now }), ...ownedDeletes(resource, id), ...cascade]);
      } catch (error) {
        rethrowRefusal(error, resource, id, [], 'deleted');
        throw error;
      }
      return { status: 204 };
    });
  };
}

const deleteContended = (resource: AnyResource, id: string, attempts: number): HttpError =>
  new HttpError(
    409,
    'delete-contended',
    'Delete contended',
    `${resource.label} '${id}' was not deleted: ${attempts} times, what the delete changes with it (such as the groups a user leaves) changed while it ran, or it ran longer than its mark holds; nothing was changed, send the same request again`,
    {},
    { 'retry-after': '1' },
  );

/**
 * Marks the record as being deleted (new references to it are refused from then on), looks for
 * what still names it, then deletes it at the version read, with what cascades, in one
 * transaction that holds only while the mark is still there. A refusal takes the mark back.
 */
async function removeHeld<S>(request: ApiRequest, resource: CrudResource<S>, hold: DeleteHold, id: string, ifMatch: IfMatch): Promise<ApiResult> {
  // `*` names no version: delete the one that exists now, conditioned on it like any other.
  const expected = ifMatch.version ?? (await resource.store.get(id))?.version;
  if (expected === undefined) throw notFound(`${resource.label} ${id}`);
  const actor = request.principal.userId;
  const snapshot = undefined as S;
  try {
    return await retryOnConflict(
      async () => {
        const until = new Date(Date.now() + hold.holdMs).toISOString();
        const marked = await hold.mark(id, expected, until);
        if (!marked.held) {
          if (marked.current === undefined) throw notFound(`${resource.label} ${id}`);
          throw preconditionFailed(etagOf(marked.current.version));
        }
        const now = new Date().toISOString();
        try {
          const cascade = (await resource.beforeDelete?.(id, { snapshot, actor, now })) ?? [];
          // The mark must still hold when the delete commits, not only when the look began.
          const deleteItems = resource.store.deleteItems(id, expected, { snapshot, actor, at: new Date().toISOString() }, until);
          await transactWrite([...deleteItems, ...ownedDeletes(resource, id), ...cascade]);
          return { status: 204 };
        } catch (error) {
          await hold.release(id, until);
          if (error instanceof TransactionRefused && error.has(resource.store.recordItemName(id))) {
            const current = error.item(resource.store.recordItemName(id));
            if (current === undefined) throw notFound(`${resource.label} ${id}`);
            if (current.version !== expected) throw preconditionFailed(etagOf(current.version as number));
            // Still at the version read, but our mark lapsed or was replaced: the delete took too long.
          }
          throw error;
        }
      },
      { attempts: hold.attempts, isConflict: (error) => error instanceof TransactionRefused },
    );
  } catch (error) {
    // What the delete cascades into kept changing under it: nothing was written, and the
    // caller's request was sound, so it is a conflict to retry, not a server fault.
    if (error instanceof TransactionRefused) throw deleteContended(resource, id, hold.attempts);
    throw error;
  }
}
