import { createRecord, type DirectoryResource, get, list, remove, replaceRecord } from '../../directory/crud.ts';
import { forbidden } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { createChangeTemplateBody, replaceChangeTemplateBody } from '../schemas/config.ts';
import { configReferences } from '../store/change-config-store.ts';
import { CHANGE_TEMPLATES, type ChangeTemplate } from '../store/template-store.ts';

/*
 * /change-templates: the pre-authorized changes standard changes are raised from. Agents read
 * them (they raise the changes); admins write them, since a template is an authorization given in
 * advance. The directory's CRUD serves them (ETag/If-Match, Idempotency-Key, history); the
 * services and the assignment group a template names must exist. Changes copy what they take
 * from their template, so editing or deleting a template never alters changes raised from it.
 */

type TemplateFields = Omit<ChangeTemplate, 'name' | 'createdAt' | 'updatedAt' | 'version'>;

const templates: DirectoryResource = {
  kind: CHANGE_TEMPLATES,
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
  validate: (fields) => configReferences({ services: fields.services as string[], assignmentGroup: fields.assignmentGroup as string | undefined }),
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

/** Checked before anything else, so that an agent hears why in the words of this resource. */
function requireAdmin(request: ApiRequest): void {
  if (!request.principal.isAdmin) throw forbidden('Only admins can change change templates');
}

export const handler = httpHandler(
  byRoute({
    'GET /change-templates': list(templates),
    'GET /change-templates/{name}': get(templates),
    'POST /change-templates': async (request): Promise<ApiResult> => {
      requireAdmin(request);
      const body = request.body(createChangeTemplateBody);
      const { name, ...fields } = body;
      return createRecord(request, templates, name, canonical(fields), body);
    },
    'PUT /change-templates/{name}': async (request): Promise<ApiResult> => {
      requireAdmin(request);
      const fields = request.body(replaceChangeTemplateBody);
      return replaceRecord(request, templates, request.pathParam('name'), canonical(fields));
    },
    'DELETE /change-templates/{name}': async (request): Promise<ApiResult> => {
      requireAdmin(request);
      return remove(templates)(request);
    },
  }),
);
