import type * as z from 'zod';
import { getSingleton, putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { fieldError } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { putRequestConfigBody } from '../schemas/config.ts';
import {
  canonicalRequestConfig,
  EMAIL_DEFAULT_ITEM_CHECK,
  emailDefaultItemCheck,
  getRequestConfig,
  REQUEST_CONFIG_FIELDS,
  REQUEST_CONFIG_ITEM,
  type RequestConfig,
  requestConfigItems,
} from '../store/request-config-store.ts';

/*
 * /request-config: how long an approval stage waits before its approvers are reminded, how many
 * reminders before it expires, and the catalog item a mail to the desk orders. Agents read it;
 * admins change it. A change applies to requests submitted afterwards: a running approval keeps
 * the timing it started with (the workflow's input).
 */

const requestConfig: SingletonResource<RequestConfig, RequestConfig, undefined, z.infer<typeof putRequestConfigBody>> = {
  access: { readDenied: 'Only agents and admins can read the request configuration', writeDenied: 'Only admins can change the request configuration' },
  fields: REQUEST_CONFIG_FIELDS,
  keyOf: () => undefined,
  load: getRequestConfig,
  fieldsOf: (input) => canonicalRequestConfig({ ...input, version: 0 }),
  // The e-mail item must exist at the instant of the commit: checked inside the transaction.
  validate: (config) => ({
    items: [emailDefaultItemCheck(config.emailDefaultItem)],
    errors: (refused) =>
      refused.has(EMAIL_DEFAULT_ITEM_CHECK) ? [fieldError('body', ['emailDefaultItem'], `There is no catalog item '${config.emailDefaultItem}'`)] : [],
  }),
  record: (config, { at, version }) => ({ ...config, updatedAt: at, version }),
  writeItems: (config, expected, actor, changes) => requestConfigItems(config, expected, actor, changes),
  itemName: REQUEST_CONFIG_ITEM,
};

export const handler = httpHandler(
  byRoute({
    'GET /request-config': getSingleton(requestConfig),
    'PUT /request-config': putSingleton(requestConfig, putRequestConfigBody),
  }),
);
