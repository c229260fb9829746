import { getRecord, type RecordKind } from '../../directory/store/records.ts';

/*
 * Change templates are records of the directory's shape (functions/directory/store/records.ts):
 * one item per template, `CHANGE-TEMPLATE#<name>` / `CHANGE-TEMPLATE`, listed by name through gsi1
 * (`CHANGE-TEMPLATE` / name), versioned, with their history in their own partition. So the
 * directory's CRUD (ETag, Idempotency-Key, history, references checked in the transaction) serves
 * them unchanged.
 */

export const changeTemplateKey = (name: string) => ({ pk: `CHANGE-TEMPLATE#${name}`, sk: 'CHANGE-TEMPLATE' });

export interface ChangeTemplate {
  name: string;
  /** The title of changes raised from the template. */
  title: string;
  description?: string;
  /** What it is pre-authorized for: at least one service, each existing when the template was written. */
  services: string[];
  configurationItems: string[];
  implementationPlan: string;
  backoutPlan: string;
  testPlan?: string;
  outageRequired: boolean;
  /** The group that implements changes raised from it. */
  assignmentGroup?: string;
  /** Standard changes are raised only from active templates. */
  active: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const CHANGE_TEMPLATES: RecordKind = {
  // RecordKind's type names the directory's entities; the stored `entity` is any string, and this
  // kind's items are `change-template`.
  entity: 'change-template' as string as RecordKind['entity'],
  key: changeTemplateKey,
  listPartition: 'CHANGE-TEMPLATE',
  order: [
    'name',
    'title',
    'description',
    'services',
    'configurationItems',
    'implementationPlan',
    'backoutPlan',
    'testPlan',
    'outageRequired',
    'assignmentGroup',
    'active',
    'createdAt',
    'updatedAt',
    'version',
  ],
};

/** One strongly consistent GetItem; undefined when there is no such template. */
export async function getChangeTemplate(name: string): Promise<ChangeTemplate | undefined> {
  return (await getRecord(CHANGE_TEMPLATES, name)) as ChangeTemplate | undefined;
}
