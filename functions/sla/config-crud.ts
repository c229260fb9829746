import type * as z from 'zod';
import * as crud from '../shared/crud/crud.ts';
import type { FieldCheck } from '../shared/store/field-checks.ts';
import type { Calendar, SlaPolicy } from './domain/types.ts';
import { configListQuery } from './schemas/calendar.ts';
import { type ConfigKind, type SlaConfigSnapshot, slaConfigStore } from './store/config-store.ts';

/*
 * Calendars and SLA policies, served by the shared CRUD (shared/crud/crud.ts) over slaConfigStore:
 * every write validates against a snapshot of the whole configuration and commits with its
 * revision. This file only states the rules in terms of the typed entity (name included).
 */

/** What differs between calendars and policies; everything else is the shared CRUD. */
export interface ConfigResource<E extends Calendar | SlaPolicy> {
  readonly kind: ConfigKind;
  readonly label: string;
  readonly basePath: string;
  /** Fields tracked in history. */
  readonly fields: readonly string[];
  readonly createBody: z.ZodType<E>;
  readonly replaceBody: z.ZodType<Omit<E, 'name'>>;
  readonly canonical: (entity: E) => E;
  /** Field-level checks that need nothing else: before the read on create, once there is a change on replace. */
  readonly checkShape?: (entity: E) => void;
  /** Rules against the rest of the configuration, after checkShape. */
  readonly checkAgainst?: (entity: E, snapshot: SlaConfigSnapshot, action: 'created' | 'updated') => void;
  /** References the record makes, checked inside its write's transaction. */
  readonly references?: (entity: E) => FieldCheck[];
  /** Refuses a delete that would leave the configuration inconsistent. */
  readonly beforeDelete?: (name: string, snapshot: SlaConfigSnapshot) => void;
}

/** A record schema's fields but its name and metadata: what history tracks. */
export const historyFields = (shape: object): string[] => Object.keys(shape).filter((f) => !['name', 'createdAt', 'updatedAt', 'version'].includes(f));

function crudResource<E extends Calendar | SlaPolicy>(resource: ConfigResource<E>): crud.CrudResource<SlaConfigSnapshot> {
  const entity = (fields: crud.Fields, name: string) => ({ name, ...fields }) as E;
  const { checkShape, checkAgainst, references, beforeDelete } = resource;
  return {
    label: resource.label,
    basePath: resource.basePath,
    idParam: 'name',
    idField: 'name',
    fields: resource.fields,
    store: slaConfigStore(resource.kind),
    access: { readDenied: 'Only agents and admins can read SLA configuration', writeDenied: 'Only admins can change SLA configuration' },
    listQuery: configListQuery,
    canonical: (fields, name) => {
      const { name: _name, ...rest } = resource.canonical(entity(fields, name));
      return rest;
    },
    ...(checkShape === undefined ? {} : { checkShape: (fields: crud.Fields, name: string) => checkShape(entity(fields, name)) }),
    validate: (fields, { id, snapshot, action }) => {
      checkAgainst?.(entity(fields, id), snapshot, action);
      return references?.(entity(fields, id));
    },
    ...(beforeDelete === undefined
      ? {}
      : {
          beforeDelete: (name: string, { snapshot }: { snapshot: SlaConfigSnapshot }) => {
            beforeDelete(name, snapshot);
            return undefined;
          },
        }),
  };
}

export const list = <E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) => crud.list(crudResource(resource));
export const get = <E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) => crud.get(crudResource(resource));
export const create = <E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) => crud.create(crudResource(resource), resource.createBody);
export const replace = <E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) => crud.replace(crudResource(resource), resource.replaceBody);
export const remove = <E extends Calendar | SlaPolicy>(resource: ConfigResource<E>) => crud.remove(crudResource(resource));
