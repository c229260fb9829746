import type * as z from 'zod';
import { type FieldError, forbidden, preconditionFailed, preconditionRequired, validationFailed } from '../errors.ts';
import { type ApiRequest, type ApiResult, etagOf, type IfMatch } from '../http/handler.ts';
import { diffFields, type FieldDiff } from '../store/audit.ts';
import type { Item } from '../store/db.ts';
import { type FieldCheck, fieldCheckErrors, fieldCheckItems } from '../store/field-checks.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../store/transaction.ts';

/*
 * Single-record configuration an admin keeps in the table (the change configuration, the problem
 * configuration, the priority matrix; a group's escalation policy, one per group): there is always
 * one, the defaults at version 0 until first written. One flow for all: agents read it, admins
 * replace it with If-Match (428 without, 412 with a stale ETag), a body that changes nothing writes
 * nothing, and the write, its history record and the checks that must hold at commit go in one
 * transaction. What differs (the item, its history, what the body must satisfy) lives in the
 * resource. `K` is what names the record in the path (the group), or nothing.
 */

/** The record as the API shows it; version 0 is the defaults, never stored. */
export interface SingletonRecord {
  readonly version: number;
}

/** Conditions checked inside the write's transaction, and the field errors of those refused. */
export interface CommitChecks {
  readonly items: readonly TransactionEntry[];
  readonly errors: (refused: TransactionRefused) => FieldError[];
}

/** Field checks (functions/shared/store/field-checks.ts) as commit checks. */
export const fieldCommitChecks = (checks: readonly FieldCheck[]): CommitChecks => ({
  items: fieldCheckItems(checks),
  errors: (refused) => fieldCheckErrors(refused, checks),
});

export interface SingletonResource<R extends SingletonRecord, F extends object, K, B = unknown> {
  readonly access: { readonly readDenied: string; readonly writeDenied: string };
  /** Fields tracked in history. */
  readonly fields: readonly string[];
  /** The record's key from the request's path (nothing for a deployment-wide record). */
  readonly keyOf: (request: ApiRequest) => K;
  /** The record in force, strongly consistent; the defaults at version 0 until written. May refuse (404: the group is gone). */
  readonly load: (key: K) => Promise<R>;
  /** The body's fields in their stored, canonical form (equal configurations compare equal). */
  readonly fieldsOf: (body: B, key: K) => F;
  /** Checks of the fields alone, before anything is read (400). */
  readonly checkShape?: (fields: F, key: K) => Promise<void> | void;
  /** Checks against the rest once the write changes something (400), and those that travel in its transaction. */
  readonly validate?: (fields: F, context: { readonly key: K; readonly current: R }) => Promise<CommitChecks | undefined> | CommitChecks | undefined;
  /** The new record: the fields with their version and timestamps. */
  readonly record: (fields: F, meta: { readonly key: K; readonly current: R; readonly at: string; readonly version: number }) => R;
  /** The record's write at `expectedVersion` (0: created) with its history; the record's own item is named `itemName`. */
  readonly writeItems: (record: R, expectedVersion: number, actor: string, changes: FieldDiff[], key: K) => TransactionEntry[];
  readonly itemName: string;
  /** The version of the record's item as a refused write found it (ALL_OLD), for the 412's ETag. */
  readonly storedVersion?: (item: Item) => number;
  /** Other refusals of the write to answer first (the group went away: 404). */
  readonly onRefused?: (refused: TransactionRefused, key: K) => void;
  /** Writing the defaults' first version needs no If-Match, and answers 201 (a group's own escalation policy). */
  readonly createsWithoutIfMatch?: boolean;
  /** The first write's history lists every field as new, rather than what differs from the defaults. */
  readonly historyFromNothing?: boolean;
  /** The body shown (default: the record) and the Location header, if any. */
  readonly body?: (record: R) => unknown;
  readonly location?: (key: K) => string;
}

const present = <R extends SingletonRecord, F extends object, K, B>(resource: SingletonResource<R, F, K, B>, record: R, key: K, status = 200): ApiResult => ({
  status,
  body: resource.body === undefined ? record : resource.body(record),
  headers: { etag: etagOf(record.version), ...(resource.location === undefined ? {} : { location: resource.location(key) }) },
});

/** GET: agents and admins. */
export function getSingleton<R extends SingletonRecord, F extends object, K, B>(resource: SingletonResource<R, F, K, B>) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    if (!request.principal.isAgent) throw forbidden(resource.access.readDenied);
    const key = resource.keyOf(request);
    return present(resource, await resource.load(key), key);
  };
}

/** PUT with If-Match: admins. */
export function putSingleton<R extends SingletonRecord, F extends object, K, B>(resource: SingletonResource<R, F, K, B>, schema: z.ZodType<B>) {
  return async (request: ApiRequest): Promise<ApiResult> => {
    if (!request.principal.isAdmin) throw forbidden(resource.access.writeDenied);
    const key = resource.keyOf(request);
    const ifMatch: IfMatch | undefined = resource.createsWithoutIfMatch === true && request.header('if-match') === undefined ? undefined : request.ifMatch();
    const fields = resource.fieldsOf(request.body(schema), key);
    await resource.checkShape?.(fields, key);

    const current = await resource.load(key);
    if (ifMatch === undefined && current.version !== 0) throw preconditionRequired();
    const expected = ifMatch === undefined ? current.version : ifMatch.check(current.version);
    const before = resource.historyFromNothing === true && current.version === 0 ? {} : current;
    const changes = diffFields(before as Record<string, unknown>, fields as Record<string, unknown>, resource.fields);
    if (changes.length === 0) return present(resource, current, key);
    const checks = await resource.validate?.(fields, { key, current });

    const record = resource.record(fields, { key, current, at: new Date().toISOString(), version: expected + 1 });
    try {
      await transactWrite([...resource.writeItems(record, expected, request.principal.userId, changes, key), ...(checks?.items ?? [])]);
    } catch (error) {
      if (!(error instanceof TransactionRefused)) throw error;
      resource.onRefused?.(error, key);
      const errors = checks?.errors(error) ?? [];
      if (errors.length > 0) throw validationFailed(errors);
      if (error.has(resource.itemName)) throw preconditionFailed(storedEtag(resource, error.item(resource.itemName)));
      throw error;
    }
    return present(resource, record, key, resource.createsWithoutIfMatch === true && current.version === 0 ? 201 : 200);
  };
}

/** The ETag of the record a refused write found: none stored is the defaults, version 0. */
function storedEtag<R extends SingletonRecord, F extends object, K, B>(resource: SingletonResource<R, F, K, B>, item: Item | undefined): string {
  if (item === undefined) return etagOf(0);
  return etagOf(resource.storedVersion === undefined ? Number(item.version) : resource.storedVersion(item));
}
