/**
 * The directory area's API description: its tag, one operation per route of ./area.ts (what the
 * handlers read and answer, read off functions/directory/handlers and crud.ts) and the components
 * they name. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import type { ErrorTypeSlug } from '../shared/api/error-types.ts';
import { defineApi, type OperationSpec, PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope, userId } from '../shared/schemas/common.ts';
import {
  createGroupBody,
  createServiceBody,
  directoryListQuery,
  groupSchema,
  putUserBody,
  replaceGroupBody,
  replaceServiceBody,
  serviceSchema,
  userSchema,
} from './schemas/directory.ts';

const requestSchemas = {
  CreateGroup: createGroupBody,
  ReplaceGroup: replaceGroupBody,
  CreateService: createServiceBody,
  ReplaceService: replaceServiceBody,
  PutUser: putUserBody,
};

const responseSchemas = {
  Group: groupSchema,
  GroupPage: listEnvelope(groupSchema),
  Service: serviceSchema,
  ServicePage: listEnvelope(serviceSchema),
  User: userSchema,
  UserPage: listEnvelope(userSchema),
};

type ResponseSchemaName = keyof typeof responseSchemas;
type DirectoryOperation = OperationSpec<keyof typeof requestSchemas, ResponseSchemaName>;

interface DirectoryKind {
  readonly label: 'group' | 'service' | 'user';
  readonly plural: string;
  readonly sortedBy: string;
  readonly schema: ResponseSchemaName;
  readonly page: ResponseSchemaName;
  /** Who may read: services are readable by requesters too (they name one when raising an incident). */
  readonly readers: 'requester' | 'agent';
}

const GROUP: DirectoryKind = { label: 'group', plural: 'groups', sortedBy: 'name', schema: 'Group', page: 'GroupPage', readers: 'agent' };
const SERVICE: DirectoryKind = { label: 'service', plural: 'services', sortedBy: 'name', schema: 'Service', page: 'ServicePage', readers: 'requester' };
const USER: DirectoryKind = { label: 'user', plural: 'users', sortedBy: 'id', schema: 'User', page: 'UserPage', readers: 'agent' };

const listDirectory = (kind: DirectoryKind, operationId: string): DirectoryOperation => ({
  operationId,
  summary: `List ${kind.plural}`,
  tag: 'Directory',
  audience: kind.readers,
  description: `Sorted by ${kind.sortedBy}. ${PAGE_NOTE}`,
  query: directoryListQuery,
  responses: { 200: { description: `One page of ${kind.plural}`, schema: kind.page } },
  errorTypes: kind.readers === 'agent' ? ['forbidden'] : [],
});

const getDirectory = (kind: DirectoryKind, operationId: string): DirectoryOperation => ({
  operationId,
  summary: `Get a ${kind.label}`,
  tag: 'Directory',
  audience: kind.readers,
  description: `Admins send the ETag back in If-Match to replace or delete the ${kind.label}.`,
  responses: { 200: { description: `The ${kind.label}`, schema: kind.schema, headers: ['ETag', 'Location'] } },
  errorTypes: kind.readers === 'agent' ? ['forbidden', 'not-found'] : ['not-found'],
});

const deleteDirectory = (kind: DirectoryKind, operationId: string, extra = '', errorTypes: readonly ErrorTypeSlug[] = []): DirectoryOperation => ({
  operationId,
  summary: `Delete a ${kind.label}`,
  tag: 'Directory',
  audience: 'admin',
  description: `Needs the current version in If-Match; the deletion is audited.${extra}`,
  ifMatch: 'required',
  responses: { 204: { description: 'Deleted' } },
  errorTypes: ['forbidden', 'not-found', ...errorTypes, 'delete-contended'],
});

export default defineApi({
  tags: {
    Directory: 'Assignment groups, business services and users: the records incidents refer to',
  },
  requestSchemas,
  responseSchemas,
  pathParameters: {
    userId: { schema: userId, description: 'The user id: the token subject (`sub`) of the identity provider' },
  },
  operations: {
    'GET /groups': listDirectory(GROUP, 'listGroups'),
    'POST /groups': {
      operationId: 'createGroup',
      summary: 'Create a group',
      tag: 'Directory',
      audience: 'admin',
      description: 'An assignment group. `members` and `manager` must be existing users (400 `validation-error` naming each one).',
      body: { schema: 'CreateGroup' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'Group', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'already-exists'],
    },
    'GET /groups/{name}': getDirectory(GROUP, 'getGroup'),
    'PUT /groups/{name}': {
      operationId: 'replaceGroup',
      summary: 'Replace a group',
      tag: 'Directory',
      audience: 'admin',
      description:
        'Replaces every field: an absent optional field is removed and absent `members` means none. Needs the current version in If-Match. `members` and `manager` must be existing users. A replacement equal to the current record changes nothing (200, same version).',
      body: { schema: 'ReplaceGroup' },
      ifMatch: 'required',
      responses: { 200: { description: 'The group as it is now', schema: 'Group', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'DELETE /groups/{name}': deleteDirectory(
      GROUP,
      'deleteGroup',
      ' A group still named by a service (owner), a CI of the CMDB (`ci`: its `ownerGroup`), the change configuration (a board), a change template, a catalog item (`catalog-item`: who may order it, an approval stage or a fulfilment task; inactive ones too), a knowledge article that is not retired (`article`: its `ownerGroup`), or an incident, change, problem or fulfilment task (`task`) that is not final cannot be deleted (409 `group-in-use`, with `references`); its escalation policy goes with it. See docs/directory.md.',
      ['group-in-use'],
    ),
    'GET /services': listDirectory(SERVICE, 'listServices'),
    'POST /services': {
      operationId: 'createService',
      summary: 'Create a service',
      tag: 'Directory',
      audience: 'admin',
      description: 'A business service. `ownerGroup` must be an existing group (checked in the same transaction as the write).',
      body: { schema: 'CreateService' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'Service', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'already-exists'],
    },
    'GET /services/{name}': getDirectory(SERVICE, 'getService'),
    'PUT /services/{name}': {
      operationId: 'replaceService',
      summary: 'Replace a service',
      tag: 'Directory',
      audience: 'admin',
      description:
        'Replaces every field: an absent optional field is removed. Needs the current version in If-Match. `ownerGroup` must be an existing group. A replacement equal to the current record changes nothing (200, same version).',
      body: { schema: 'ReplaceService' },
      ifMatch: 'required',
      responses: { 200: { description: 'The service as it is now', schema: 'Service', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'DELETE /services/{name}': deleteDirectory(
      SERVICE,
      'deleteService',
      ' A service still named by integration keys that are not revoked, an SLA policy, a change template, a blackout window that has not ended, the problem configuration (a rule of its own), a relationship of its CI in the CMDB (`ci-relationship`: the CI at the other end and the relationship type), a knowledge article that is not retired (`article`: its `services`), or an incident, change or problem that is not final cannot be deleted (409 `service-in-use`, with `references`). See docs/directory.md.',
      ['service-in-use'],
    ),
    'GET /users': listDirectory(USER, 'listUsers'),
    'GET /users/{userId}': getDirectory(USER, 'getUser'),
    'PUT /users/{userId}': {
      operationId: 'putUser',
      summary: 'Register or replace a user',
      tag: 'Directory',
      audience: 'admin',
      description: [
        'Users are keyed by their token subject, so the client names the id.',
        '- **Without If-Match** the user is registered: 201, or 409 `already-exists` if the id is taken. Idempotency-Key is honoured.',
        '- **With If-Match** (the current version) the user is replaced: 200; an absent optional field is removed.',
        '',
        "`manager` must be an existing user, not the user themself (400 `validation-error` at `manager`, checked in the write's transaction). `email` is unique across users, compared case-insensitively: an address another user has is 409 `email-in-use`.",
      ].join('\n'),
      body: { schema: 'PutUser' },
      ifMatch: 'optional',
      idempotencyKey: true,
      responses: {
        200: { description: 'Replaced (with If-Match)', schema: 'User', headers: ['ETag', 'Location'] },
        201: { description: 'Registered (without If-Match)', schema: 'User', headers: ['Location', 'ETag', 'Idempotent-Replayed'] },
      },
      errorTypes: ['forbidden', 'not-found', 'already-exists', 'email-in-use'],
      notes: {
        400: 'An invalid `userId` in the path is a `validation-error` with location `path`.',
        404: 'Only with If-Match.',
        409: '`already-exists` only without If-Match; `email-in-use` either way.',
        412: 'Only with If-Match.',
      },
    },
    'DELETE /users/{userId}': deleteDirectory(
      USER,
      'deleteUser',
      ' The user leaves every group they are a member of, and gives up their e-mail address, in the same transaction. A user who manages a group or is the `manager` of another user, is named by an escalation policy, is assignee or caller of an incident that is not final, assignee of a problem or fulfilment task that is not final, or requester of a service request that is not final cannot be deleted (409 `user-in-use`, with `references`); set `active` to false instead. See docs/directory.md.',
      ['user-in-use'],
    ),
  },
});
