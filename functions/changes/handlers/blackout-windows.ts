import { directoryListQuery } from '../../directory/schemas/directory.ts';
import { directoryRecordStore } from '../../directory/store/records.ts';
import { type CrudResource, create, get, remove, replace } from '../../shared/crud/crud.ts';
import { fieldError, forbidden, validationFailed } from '../../shared/errors.ts';
import { type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { blackoutListQuery, createBlackoutWindowBody, MAX_BLACKOUT_DAYS, replaceBlackoutWindowBody } from '../schemas/config.ts';
import { BLACKOUT_WINDOWS, type BlackoutWindow, listBlackouts, utcInstant } from '../store/blackout-store.ts';
import { configReferences } from '../store/change-config-store.ts';

/*
 * /blackout-windows: change freezes. Agents read them (they plan around them; the change calendar
 * shows them too); admins write them. A change whose window overlaps a freeze that applies to it
 * is a conflict at submission: it goes ahead only as an emergency or with an admin's override.
 * The shared CRUD serves them, stored like directory records (ETag/If-Match, Idempotency-Key,
 * history); the services a window names must exist.
 */

type BlackoutFields = Omit<BlackoutWindow, 'name' | 'createdAt' | 'updatedAt' | 'version'>;

const windows: CrudResource = {
  label: 'Blackout window',
  idParam: 'name',
  idField: 'name',
  basePath: '/blackout-windows',
  fields: ['start', 'end', 'services', 'reason'],
  store: directoryRecordStore(BLACKOUT_WINDOWS),
  access: { readDenied: 'Only agents and admins can read /blackout-windows', writeDenied: 'Only admins can change blackout windows' },
  // Listed by end (GET /blackout-windows below), not by the directory's name order: this serves no list.
  listQuery: directoryListQuery,
  canonical: (fields) => canonical(fields as BlackoutFields),
  validate: (fields) => configReferences({ services: fields.services as string[] | undefined }),
};

/**
 * Instants in UTC (the index compares them as text, see blackout-store.ts), fields in the
 * documented order; refuses a window that ends before it starts or lasts too long.
 */
function canonical(input: BlackoutFields): Record<string, unknown> {
  const start = utcInstant(input.start);
  const end = utcInstant(input.end);
  if (end <= start) throw validationFailed([fieldError('body', ['end'], `The end (${input.end}) must come after the start (${input.start})`)]);
  if (Date.parse(end) - Date.parse(start) > MAX_BLACKOUT_DAYS * 86_400_000) {
    throw validationFailed([fieldError('body', ['end'], `A blackout window lasts at most ${MAX_BLACKOUT_DAYS} days; split a longer freeze`)]);
  }
  return Object.fromEntries(Object.entries({ start, end, services: input.services, reason: input.reason }).filter(([, v]) => v !== undefined));
}

export const handler = httpHandler(
  byRoute({
    'GET /blackout-windows': async (request): Promise<ApiResult> => {
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read blackout windows');
      const { from, limit, cursor } = request.query(blackoutListQuery);
      return { status: 200, body: await listBlackouts(limit, cursor, from) };
    },
    'GET /blackout-windows/{name}': get(windows),
    'POST /blackout-windows': create(windows, createBlackoutWindowBody),
    'PUT /blackout-windows/{name}': replace(windows, replaceBlackoutWindowBody),
    'DELETE /blackout-windows/{name}': remove(windows),
  }),
);
