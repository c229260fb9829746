/*
 * What other areas may read of the requests area: a request by id or number, and the request
 * configuration in force. The e-mail area threads a reply by the number its subject names and
 * opens mail of the configuration's default item; it reads them here rather than from the store
 * modules, which stay the area's own. Light on purpose: only the store reads, no form validator,
 * no workflow client (operations.ts has those), so the e-mail functions' bundles stay small.
 */

export type { ServiceRequest } from './domain/request.ts';
export { getRequestConfig, type RequestConfig } from './store/request-config-store.ts';
export { findRequest } from './store/request-store.ts';
