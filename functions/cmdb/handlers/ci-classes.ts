import { putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { schemaIssues } from '../../shared/domain/json-schema.ts';
import { conflict, fieldError, notFound, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertCmdbAdmin, assertCmdbReader, ciClassBody, ciClassNameOf } from '../access.ts';
import { isBuiltInCiClass, SERVICE_CLASS } from '../domain/ci.ts';
import { type AttributesSchema, builtInCiClass, type CiClass, ciClassOf } from '../domain/ci-classes.ts';
import { type PutCiClassBody, type PutCmdbConfigBody, putCiClassBody, putCmdbConfigBody } from '../schemas/ci.ts';
import {
  CI_CLASS_COUNT_ITEM,
  CI_CLASS_FIELDS,
  CI_CLASS_ITEM,
  CMDB_CONFIG_FIELDS,
  CMDB_CONFIG_ITEM,
  type CmdbConfig,
  ciClassDeleteItems,
  ciClassWriteItems,
  cmdbConfigItems,
  getStoredCiClass,
  loadCmdbConfig,
} from '../store/ci-class-store.ts';

/*
 * /ci-classes: the classes of CIs and the JSON Schema of their attributes; /cmdb-config: the AWS
 * feed's tag mapping. Admins write here (If-Match; the first write of a class or of the
 * configuration needs none); agents read through read-cis.ts (a function that only reads).
 * Requesters get 404, as on every CMDB route.
 */

const className = ciClassNameOf;
const present = ciClassBody;

interface ClassFields {
  description: string;
  attributesSchema: AttributesSchema;
}

/** The class an admin writes: an unknown name at version 0 is a new admin-defined class, with no description yet. */
async function loadForWrite(name: string): Promise<CiClass> {
  return ciClassOf(name, await getStoredCiClass(name)) ?? { name, description: '', attributesSchema: true, builtIn: false, version: 0 };
}

const ciClassResource: SingletonResource<CiClass, ClassFields, string, PutCiClassBody> = {
  access: { readDenied: 'Only agents and admins can read CI classes', writeDenied: 'Only admins can change CI classes' },
  fields: CI_CLASS_FIELDS,
  keyOf: className,
  load: loadForWrite,
  fieldsOf: (body, name) => ({
    description: body.description ?? (isBuiltInCiClass(name) ? builtInCiClass(name).description : ''),
    attributesSchema: body.attributesSchema as AttributesSchema,
  }),
  // The service class is the directory's: its CIs are services, whose fields /services checks.
  checkShape: (fields, name) => {
    if (name === SERVICE_CLASS) {
      throw conflict('ci-is-a-service', 'The service class is the directory’s', 'Services are changed through /services; their class cannot be changed');
    }
    const issues = schemaIssues(fields.attributesSchema);
    if (issues.length > 0) {
      throw validationFailed(
        issues.map((issue) => fieldError('body', ['attributesSchema', ...issue.path], issue.message)),
        `attributesSchema is not a JSON Schema (draft 2020-12) this product can apply: ${issues.map((issue) => ['attributesSchema', ...issue.path].join('.')).join(', ')}`,
      );
    }
  },
  record: (fields, { key, at, version }) => ({ name: key, ...fields, builtIn: isBuiltInCiClass(key), updatedAt: at, version }),
  writeItems: (ciClass, expected, actor, changes) => ciClassWriteItems(ciClass, expected, actor, changes),
  itemName: CI_CLASS_ITEM,
  createsWithoutIfMatch: true,
  historyFromNothing: true,
  body: present,
  location: (name) => `/ci-classes/${name}`,
};

/**
 * An admin-defined class goes when no CI is of it (409 class-in-use otherwise); a built-in class
 * goes back to its default schema (version 0).
 */
async function deleteClass(request: ApiRequest): Promise<ApiResult> {
  assertCmdbAdmin(request.principal, 'delete CI classes');
  const name = className(request);
  const ifMatch = request.ifMatch();
  const stored = await getStoredCiClass(name);
  if (stored === undefined) {
    if (!isBuiltInCiClass(name)) throw notFound(`CI class ${name}`);
    ifMatch.check(0);
    return { status: 204 };
  }
  ifMatch.check(stored.version);
  try {
    // The class's CI count (store/ci-class-store.ts ciClassCountKey) goes with it, on condition that it is 0.
    await transactWrite(ciClassDeleteItems(stored, request.principal.userId));
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(CI_CLASS_COUNT_ITEM) && !error.has(CI_CLASS_ITEM)) {
      throw conflict('class-in-use', 'CIs are of this class', `CIs of class ${name} exist: delete them or change their class first`);
    }
    if (error instanceof TransactionRefused && error.has(CI_CLASS_ITEM)) {
      const current = error.item(CI_CLASS_ITEM);
      throw current === undefined ? notFound(`CI class ${name}`) : preconditionFailed(etagOf(Number(current.version)));
    }
    throw error;
  }
  return { status: 204 };
}

const cmdbConfigResource: SingletonResource<CmdbConfig, Omit<CmdbConfig, 'version'>, undefined, PutCmdbConfigBody> = {
  access: { readDenied: 'Only agents and admins can read the CMDB configuration', writeDenied: 'Only admins can change the CMDB configuration' },
  fields: CMDB_CONFIG_FIELDS,
  keyOf: () => undefined,
  load: loadCmdbConfig,
  fieldsOf: (body) => ({ ownerGroupTag: body.ownerGroupTag, environmentTag: body.environmentTag }),
  checkShape: (fields) => {
    if (fields.ownerGroupTag === fields.environmentTag) {
      throw validationFailed([fieldError('body', ['environmentTag'], 'The environment and the owner group come from two different tags')]);
    }
  },
  record: (fields, { at, version }) => ({ ...fields, updatedAt: at, version }),
  writeItems: (config, expected, actor, changes) => cmdbConfigItems(config, expected, actor, changes),
  itemName: CMDB_CONFIG_ITEM,
};

/** Requesters: 404 before anything else, as on every CMDB route. */
const readersOnly =
  (route: (request: ApiRequest) => Promise<ApiResult>, what: string) =>
  (request: ApiRequest): Promise<ApiResult> => {
    assertCmdbReader(request.principal, what);
    return route(request);
  };

export const handler = httpHandler(
  byRoute({
    'PUT /ci-classes/{name}': readersOnly(putSingleton(ciClassResource, putCiClassBody), 'CI classes'),
    'DELETE /ci-classes/{name}': deleteClass,
    'PUT /cmdb-config': readersOnly(putSingleton(cmdbConfigResource, putCmdbConfigBody), 'The CMDB configuration'),
  }),
);
