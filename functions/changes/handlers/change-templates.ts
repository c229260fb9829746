import { directoryListQuery } from '../../directory/schemas/directory.ts';
import { directoryRecordStore } from '../../directory/store/records.ts';
import { type CrudResource, create, get, list, remove, replace } from '../../shared/crud/crud.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { createChangeTemplateBody, replaceChangeTemplateBody } from '../schemas/config.ts';
import { configReferences } from '../store/change-config-store.ts';
import { CHANGE_TEMPLATES, type ChangeTemplate } from '../store/template-store.ts';

/*
 * /change-templates: the pre-authorized changes standard changes are raised from. Agents read
 * them (they raise the changes); admins write them, since a template is an authorization given in
 * advance. The shared CRUD serves them, stored like directory records (ETag/If-Match,
 * Idempotency-Key, history); the services, configuration items (CI ids) and the assignment group a
 * template names must exist (a template written before the CMDB keeps its free-text items until
 * a replace changes them). Changes copy what they take from their template, so editing or
 * deleting a template never alters changes raised from it.
 */

type TemplateFields = Omit<ChangeTemplate, 'name' | 'createdAt' | 'updatedAt' | 'version'>;

const templates: CrudResource = {
  label: 'Change template',
  idParam: 'name',
  idField: 'name',
  basePath: '/change-templates',
  fields: [
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
  ],
  store: directoryRecordStore(CHANGE_TEMPLATES),
  access: { readDenied: 'Only agents and admins can read /change-templates', writeDenied: 'Only admins can change change templates' },
  listQuery: directoryListQuery,
  canonical: (fields) => canonical(fields as TemplateFields),
  validate: (fields, { current }) =>
    configReferences({
      services: fields.services as string[],
      assignmentGroup: fields.assignmentGroup as string | undefined,
      configurationItems: { ids: fields.configurationItems as string[], known: (current?.configurationItems as string[] | undefined) ?? [] },
    }),
};

/** The documented order, without absent optional fields: what is stored and compared for history. */
const canonical = (t: TemplateFields): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries({
      title: t.title,
      description: t.description,
      services: t.services,
      configurationItems: t.configurationItems,
      implementationPlan: t.implementationPlan,
      backoutPlan: t.backoutPlan,
      testPlan: t.testPlan,
      outageRequired: t.outageRequired,
      assignmentGroup: t.assignmentGroup,
      active: t.active,
    }).filter(([, v]) => v !== undefined),
  );

export const handler = httpHandler(
  byRoute({
    'GET /change-templates': list(templates),
    'GET /change-templates/{name}': get(templates),
    'POST /change-templates': create(templates, createChangeTemplateBody),
    'PUT /change-templates/{name}': replace(templates, replaceChangeTemplateBody),
    'DELETE /change-templates/{name}': remove(templates),
  }),
);
