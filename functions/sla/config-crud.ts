import type * as z from 'zod';
import { conflict, fieldError, forbidden, notFound, preconditionFailed, preconditionRequired, validationFailed } from '../shared/errors.ts';
import { type ApiRequest, type ApiResult, etagOf, type IfMatch } from '../shared/http/handler.ts';
import type { Principal } from '../shared/http/principal.ts';
import { diffFields } from '../shared/store/audit.ts';
import { type TransactItem, TransactionRefused, transactWrite } from '../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../shared/store/idempotency.ts';
import type { Calendar, SlaPolicy } from './domain/types.ts';
import { configListQuery } from './schemas/calendar.ts';
import {
  type ConfigKind,
  configChangeItems,
  getConfigRecord,
  listConfigRecords,
  readSlaConfig,
  type SlaConfigSnapshot,
  type Versioned,
  withRevisionRetry,
} from './store/config-store.ts';

/*
 * The CRUD that calendars and SLA policies share. Unlike the directory's, every write validates
 * against a snapshot of the whole configuration and commits with its revision, retried while
 * another admin's change wins the race (withRevisionRetry).
 */

/** A condition that travels in the write's transaction, and the field error when it fails. */
export interface ReferenceCheck {
  item: TransactItem;
  path: (string | number)[];
  message: string;
}

/** What reads, presents and records either kind: the parts of a resource that do not depend on its type. */
interface ConfigResourceBase {
  readonly kind: ConfigKind;
  readonly label: string;
  readonly basePath: string;
  /** Fields tracked in history. */
  readonly fields: readonly string[];
}

/** What differs between calendars and policies; everything else is the same CRUD. */
export interface ConfigResource<E extends Calendar | SlaPolicy> extends ConfigResourceBase {
  readonly createBody: z.ZodType<E>;
  readonly replaceBody: z.ZodType<Omit<E, 'name'>>;
  readonly canonical: (entity: E) => E;
  readonly records: (snapshot: SlaConfigSnapshot) => readonly (E & Versioned)[];
  /** Field-level checks that need nothing else: before the read on create, once there is a change on replace. */
  readonly checkShape?: (entity: E) => void;
  /** Rules against the rest of the configuration, after checkShape. */
  readonly checkAgainst?: (entity: E, snapshot: SlaConfigSnapshot, action: 'created' | 'updated') => void;
  /** References the record makes, checked inside its write's transaction (after the change's own items). */
  readonly references?: (entity: E) => ReferenceCheck[];
  /** Refuses a delete that would leave the configuration inconsistent. */
  readonly beforeDelete?: (name: string, snapshot: SlaConfigSnapshot) => void;
}

/** A record schema's fields but its name and metadata: what history tracks. */
export const historyFields = (shape: object): string[] => Object.keys(shape).filter((f) => !['name', 'createdAt', 'updatedAt', 'version'].includes(f));

const requireAgent = (principal: Principal): void => {
  if (!principal.isAgent) throw forbidden('Only agents and admins can read SLA configuration');
};
const requireAdmin = (principal: Principal): void => {
  if (!principal.isAdmin) throw forbidden('Only admins can change SLA configuration');
};

const present = (record: (Calendar | SlaPolicy) & Versioned, resource: ConfigResourceBase, status = 200): ApiResult => ({
  status,
  body: record,
  headers: { etag: etagOf(record.version), location: `${resource.basePath}/${encodeURIComponent(record.name)}` },
});

/** Records are plain JSON: compared field by field for their history. */
const diff = (resource: ConfigResourceBase, before: object, after: object) =>
  diffFields(before as Record<string, unknown>, after as Record<string, unknown>, resource.fields);

/** Refusals of the reference checks (placed at `offset`), as field errors; anything else is left to the caller. */
function rethrowReferences(error: unknown, checks: ReferenceCheck[], offset: number): void {
  if (!(error instanceof TransactionRefused)) return;
  const errors = checks.flatMap((check, i) => (error.failedAt(offset + i) === undefined ? [] : [fieldError('body', check.path, check.message)]));
  if (errors.length > 0) throw validationFailed(errors);
}

/** A refused write of the record itself: it was changed (412) or deleted (404) after our read. */
function lostRecord(error: unknown, resource: ConfigResourceBase, name: string): void {
  const refused = error instanceof TransactionRefused ? error.failedAt(0) : undefined;
  if (refused === undefined) return;
  if (refused.item === undefined) throw notFound(`${resource.label} ${name}`);
  throw preconditionFailed(etagOf(Number(refused.item.version)));
}

/** The record at `name` in the snapshot, at the version the If-Match named. */
function currentRecord<E extends Calendar | SlaPolicy>(resource: ConfigResource<E>, snapshot: SlaConfigSnapshot, name: string, ifMatch: IfMatch) {
  const current = resource.records(snapshot).find((r) => r.name === name);
  if (current === undefined) throw notFound(`${resource.label} ${name}`);
  ifMatch.check(current.version);
  return current;
}

export function list(resource: ConfigResourceBase) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAgent(request.principal);
    const { limit, cursor } = request.query(configListQuery);
    return { status: 200, body: await listConfigRecords(resource.kind, limit, cursor) };
  };
}

export function get(resource: ConfigResourceBase) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAgent(request.principal);
    const name = request.pathParam('name');
    const record = resource.kind === 'calendar' ? await getConfigRecord('calendar', name) : await getConfigRecord('policy', name);
    if (record === undefined) throw notFound(`${resource.label} ${name}`);
    return present(record, resource);
  };
}

export function create<E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAdmin(request.principal);
    const body = request.body(resource.createBody);
    const claim = claimIdempotencyKey(request, body);
    const entity = resource.canonical(body);
    resource.checkShape?.(entity);
    return withRevisionRetry(async () => {
      const snapshot = await readSlaConfig();
      resource.checkAgainst?.(entity, snapshot, 'created');
      const at = new Date().toISOString();
      const record: E & Versioned = { ...entity, createdAt: at, updatedAt: at, version: 1 };
      const items = configChangeItems(
        { kind: resource.kind, name: entity.name, action: 'created', record, changes: diff(resource, {}, record), actor: request.principal.userId, at },
        snapshot.revision,
      );
      const checks = resource.references?.(entity) ?? [];
      try {
        return await commitIdempotently([...items, ...checks.map((c) => c.item)], claim, present(record, resource, 201));
      } catch (error) {
        if (error instanceof TransactionRefused && error.failedAt(0) !== undefined) {
          throw conflict('already-exists', 'Already exists', `${resource.label} '${entity.name}' already exists`);
        }
        rethrowReferences(error, checks, items.length);
        throw error;
      }
    });
  };
}

export function replace<E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAdmin(request.principal);
    const name = request.pathParam('name');
    const ifMatch = request.ifMatch();
    const fields = request.body(resource.replaceBody);
    const entity = resource.canonical({ name, ...fields } as E);
    return withRevisionRetry(async () => {
      const snapshot = await readSlaConfig();
      const current = currentRecord(resource, snapshot, name, ifMatch);
      const expected = current.version;
      const changes = diff(resource, current, entity);
      if (changes.length === 0) return present(current, resource);
      resource.checkShape?.(entity);
      resource.checkAgainst?.(entity, snapshot, 'updated');
      const at = new Date().toISOString();
      const record: E & Versioned = { ...entity, createdAt: current.createdAt, updatedAt: at, version: current.version + 1 };
      const items = configChangeItems(
        { kind: resource.kind, name, action: 'updated', record, expectedVersion: expected, changes, actor: request.principal.userId, at },
        snapshot.revision,
      );
      const checks = resource.references?.(entity) ?? [];
      try {
        await transactWrite([...items, ...checks.map((c) => c.item)]);
      } catch (error) {
        lostRecord(error, resource, name);
        rethrowReferences(error, checks, items.length);
        throw error;
      }
      return present(record, resource);
    });
  };
}

export function remove<E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    requireAdmin(request.principal);
    const name = request.pathParam('name');
    if (request.header('if-match') === undefined) throw preconditionRequired();
    const ifMatch = request.ifMatch();
    return withRevisionRetry(async () => {
      const snapshot = await readSlaConfig();
      const expected = currentRecord(resource, snapshot, name, ifMatch).version;
      resource.beforeDelete?.(name, snapshot);
      const items = configChangeItems(
        { kind: resource.kind, name, action: 'deleted', expectedVersion: expected, changes: [], actor: request.principal.userId, at: new Date().toISOString() },
        snapshot.revision,
      );
      try {
        await transactWrite(items);
      } catch (error) {
        lostRecord(error, resource, name);
        throw error;
      }
      return { status: 204 };
    });
  };
}
