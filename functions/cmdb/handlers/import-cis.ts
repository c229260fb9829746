import { badRequest, forbidden, HttpError, notFound } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, httpHandler } from '../../shared/http/handler.ts';
import { header, parseWith } from '../../shared/http/request.ts';
import { importBody, MAX_IMPORTED_ITEMS } from '../domain/aws-feed.ts';
import { importConfigItems } from '../feed/import-config-items.ts';
import { loadCmdbConfig } from '../store/ci-class-store.ts';

/*
 * POST /cis/import (admins): the initial import of AWS Config items (feed/import-config-items.ts).
 * The body is what `aws configservice batch-get-resource-config` prints, or a bare list of its
 * items; locally a file of them: `curl --data-binary @items.json -H 'content-type: application/json' ...`.
 */

/**
 * The import's own body limit, above the API's 64 KB: one batch-get output of 100 items with their
 * configurations runs to hundreds of KB. Below Lambda's 6 MB synchronous payload.
 */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

function importText(request: ApiRequest): string {
  const { body, isBase64Encoded } = request.event;
  if (body === undefined || body === null || body === '')
    throw badRequest('body-required', 'Body required', 'Send the output of aws configservice batch-get-resource-config');
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > MAX_IMPORT_BYTES) {
    throw new HttpError(
      413,
      'payload-too-large',
      'Body too large',
      `An import body is limited to ${MAX_IMPORT_BYTES} bytes: split the items into several imports`,
    );
  }
  // JSON, or curl's default type for --data (a file sent as it is).
  const contentType = header(request.event, 'content-type');
  if (contentType !== undefined && !/^application\/(([\w.+-]+\+)?json|x-www-form-urlencoded)\b/i.test(contentType)) {
    throw new HttpError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json');
  }
  return text;
}

async function importCis(request: ApiRequest): Promise<ApiResult> {
  // To requesters the CMDB does not exist; agents read it, admins write it.
  if (!request.principal.isAgent) throw notFound('The CMDB');
  if (!request.principal.isAdmin) throw forbidden('Only admins can import configuration items');
  let json: unknown;
  try {
    json = JSON.parse(importText(request));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw badRequest('malformed-json', 'Malformed JSON', `The body is not valid JSON: ${(error as Error).message}`);
  }
  const body = parseWith(importBody, json, 'body');
  const items = Array.isArray(body) ? body : body.baseConfigurationItems;
  if (items.length > MAX_IMPORTED_ITEMS) {
    throw new HttpError(
      413,
      'payload-too-large',
      'Too many items',
      `An import takes at most ${MAX_IMPORTED_ITEMS} items (one batch-get-resource-config call's worth); this one has ${items.length}: split it`,
      { limit: MAX_IMPORTED_ITEMS },
    );
  }
  const config = await loadCmdbConfig();
  return { status: 200, body: await importConfigItems(items, config) };
}

export const handler = httpHandler(importCis);
