import type { RecordKind } from '../../directory/store/records.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { type Item, TABLE_NAME, withoutKeys } from '../../shared/store/db.ts';
import { type Page, queryAll, queryPage } from '../../shared/store/pagination.ts';

/*
 * Blackout windows (change freezes) are records of the directory's shape: one item per window,
 * `BLACKOUT#<name>` / `BLACKOUT`, versioned, with their history in their own partition, written by
 * the directory's CRUD. They are listed through gsi1 `BLACKOUT` / `<end>#<name>`: sorted by their
 * end, so "the windows still running after an instant" is one Query on a key range, and windows
 * long past never cost a read again.
 *
 * Instants are stored in UTC as `toISOString()` writes them (fixed width, `Z`), so that comparing
 * them as strings, as the index does, compares them as instants.
 */

export const blackoutKey = (name: string) => ({ pk: `BLACKOUT#${name}`, sk: 'BLACKOUT' });
const LIST_PARTITION = 'BLACKOUT';

export interface BlackoutWindow {
  name: string;
  /** ISO instant, UTC; the window is [start, end). */
  start: string;
  end: string;
  /** The frozen services; absent: every change. */
  services?: string[];
  reason?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

const ORDER = ['name', 'start', 'end', 'services', 'reason', 'createdAt', 'updatedAt', 'version'];

export const BLACKOUT_WINDOWS: RecordKind = {
  // RecordKind's type names the directory's entities; the stored `entity` is any string, and this
  // kind's items are `blackout-window`.
  entity: 'blackout-window' as string as RecordKind['entity'],
  key: blackoutKey,
  listPartition: LIST_PARTITION,
  order: ORDER,
  // Replaces the directory's default sort key (the name): written again with every replace, so
  // a moved end moves the window in the index.
  indexes: (record) => ({ gsi1sk: `${String(record.end)}#${String(record.name)}` }),
};

/** An ISO instant in the stored form; a RangeError for text that names no instant. */
export function utcInstant(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`${text} is not an ISO instant`);
  return new Date(ms).toISOString();
}

/**
 * The lower bound of the sort keys of windows ending after `from`. Names are slugs ([a-z0-9-]),
 * all below `~`: a window ending exactly at `from` (`<from>#<name>`) sorts below it and is left
 * out (it does not overlap anything from `from` on), one ending later sorts above it.
 */
const endingAfter = (from: string) => `${utcInstant(from)}#~`;

const toWindow = (item: Item): BlackoutWindow => withoutKeys<BlackoutWindow>(item, ORDER);

/**
 * The windows overlapping [from, to): one Query on gsi1 for those ending after `from` (followed
 * over its pages), keeping those starting before `to`. Sorted by start, then name, the order a
 * calendar shows them in.
 */
export async function blackoutsOverlapping(from: string, to: string): Promise<BlackoutWindow[]> {
  const items = await queryAll({
    TableName: TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :after',
    FilterExpression: '#start < :to',
    ExpressionAttributeNames: { '#start': 'start' },
    ExpressionAttributeValues: { ':pk': LIST_PARTITION, ':after': endingAfter(from), ':to': utcInstant(to) },
  });
  const windows = items.map(toWindow);
  return windows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One page of windows by end, then name; with `from`, only those ending after it. */
export async function listBlackouts(limit: number, cursor?: string, from?: string): Promise<Page<BlackoutWindow>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: from === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk > :after',
      ExpressionAttributeValues: { ':pk': LIST_PARTITION, ...(from === undefined ? {} : { ':after': endingAfter(from) }) },
    },
    limit,
    cursor,
    filterFingerprint({ kind: 'blackout-window', from: from === undefined ? undefined : utcInstant(from) }),
  );
  return { ...page, items: page.items.map(toWindow) };
}
