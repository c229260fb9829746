import { forbidden, notFound } from '../shared/errors.ts';
import { type ApiRequest, type ApiResult, etagOf } from '../shared/http/handler.ts';
import type { Principal } from '../shared/http/principal.ts';
import { withoutKeys } from '../shared/store/db.ts';
import { CI_CLASS_NAME_PATTERN, CI_FIELD_ORDER, type Ci } from './domain/ci.ts';
import { CI_CLASS_FIELD_ORDER, type CiClass } from './domain/ci-classes.ts';

/**
 * The CMDB is agents' knowledge of the estate. To a requester it does not exist: every CMDB route
 * answers 404, as problem management does. Admins are agents too.
 */
export function assertCmdbReader(principal: Principal, what = 'The CMDB'): void {
  if (!principal.isAgent) throw notFound(what);
}

/** CIs, classes and the CMDB configuration are written by admins (agents read them). */
export function assertCmdbAdmin(principal: Principal, action: string): void {
  assertCmdbReader(principal);
  if (!principal.isAdmin) throw forbidden(`Only admins can ${action}`);
}

/** Every CI response lists its fields in the documented order, with its ETag and Location. */
export const ciResponse = (status: number, ci: Ci): ApiResult => ({
  status,
  body: withoutKeys<Record<string, unknown>>(ci, CI_FIELD_ORDER),
  headers: { etag: etagOf(ci.version), location: `/cis/${encodeURIComponent(ci.id)}` },
});

/** A class as the API shows it, fields in the documented order. */
export const ciClassBody = (ciClass: CiClass) => withoutKeys<Record<string, unknown>>({ ...ciClass }, CI_CLASS_FIELD_ORDER);

/** The class a /ci-classes/{name} path names; a name no class can have is 404. */
export function ciClassNameOf(request: ApiRequest): string {
  const name = request.pathParam('name');
  if (!CI_CLASS_NAME_PATTERN.test(name)) throw notFound(`CI class ${name}`);
  return name;
}
