/*
 * Queue heads: the first page of a queue, kept as one item (issue 17: lists as fast as single
 * reads). A list Query reads each of its 21 items whole, and on this stack that costs two to five
 * times a single read however little of them it asks for (bench/README.md "Where list time went");
 * a head is the items that page shows, in the list's order, already projected, in one attribute of
 * JSON text: a list's first page is then one GetItem.
 *
 * A queue is one partition of an index (every incident of a status: gsi2 `INCIDENT#STATUS#new`),
 * or the part of it whose sort key starts with a segment (a group's open tasks: gsi2
 * `TASK#GROUP#service-desk`, sort keys `open#...`). The heads are kept from the table stream
 * (functions/shared/stream/queue-heads-handler.ts): a head is as current as an index is, a fraction
 * of a second behind the writes in AWS (docs/data-model.md "Queue heads"). The rules here are pure:
 * which head an item is in, and how a change moves a head.
 */

/** An index of the table (`gsi2`): functions/shared/store/table-design.ts. */
type IndexName = string;

/**
 * The items a head keeps at most: a first page of the default size (`limit` 25). Each item more
 * would cost every first page its reading (DynamoDB returns the head whole); an item leaving a full
 * head that is not the whole queue costs the consumer a refill.
 */
export const HEAD_CAPACITY = 25;
/** A head's JSON text stays well inside DynamoDB's 400 KB item: past this, it keeps fewer items. */
export const HEAD_MAX_BYTES = 300_000;

export interface QueueHeadDefinition {
  /** Names the queue in logs and documents: `incidents by status`. */
  readonly name: string;
  /** The sort key of the listed records' items (`INCIDENT`): the stream consumer picks their changes by it. */
  readonly recordSortKey: string;
  readonly index: IndexName;
  /** The index partitions that have heads: those whose key starts with `prefix` (`INCIDENT#STATUS#`), or the one named `exact`. */
  readonly partition: { readonly prefix: string } | { readonly exact: string };
  /** Lists narrow the partition by the sort key's first segment (`open#`: `begins_with(gsi2sk, 'open#')`): a head per partition and segment. */
  readonly bySortSegment?: boolean;
  /** The order the list reads the index in: newest first is descending sort keys (ScanIndexForward false). */
  readonly descending: boolean;
  /** What the list reads of each item (its ProjectionExpression); absent: the whole item. The head keeps these and the keys. */
  readonly attributes?: readonly string[];
  /**
   * Attributes the item keeps as JSON text (functions/shared/store/json-attribute.ts: an SLA clock)
   * that the head keeps as the value itself, inside its own JSON text: read once instead of twice
   * (a text inside a text). Their readers take either form.
   */
  readonly jsonAttributes?: readonly string[];
}

/** Which head: the index partition and, for a definition by sort segment, the segment. */
export interface HeadId {
  readonly index: IndexName;
  readonly partition: string;
  readonly segment?: string;
}

export type HeadItem = Readonly<Record<string, unknown>>;

export interface HeadState {
  /** The queue's first items in the list's order, as the list's Query would return them (projected, with the table's and the index's keys). */
  readonly items: readonly HeadItem[];
  /** Whether `items` is the whole queue: else more items follow the last one. */
  readonly complete: boolean;
}

const partitionMatches = (definition: QueueHeadDefinition, partition: string): boolean =>
  'exact' in definition.partition ? partition === definition.partition.exact : partition.startsWith(definition.partition.prefix);

/** The sort key's first segment, with its `#` (`open#` of `open#2026-...`); the whole key when it has none. */
export function sortSegmentOf(sortKey: string): string {
  const end = sortKey.indexOf('#');
  return end === -1 ? sortKey : sortKey.slice(0, end + 1);
}

/** The head an item (a stream image) is in for this definition, if any. */
export function headOf(definition: QueueHeadDefinition, image: HeadItem | undefined): HeadId | undefined {
  if (image === undefined) return undefined;
  const partition = image[`${definition.index}pk`];
  const sortKey = image[`${definition.index}sk`];
  if (typeof partition !== 'string' || typeof sortKey !== 'string' || !partitionMatches(definition, partition)) return undefined;
  return definition.bySortSegment === true ? { index: definition.index, partition, segment: sortSegmentOf(sortKey) } : { index: definition.index, partition };
}

const sameAttributes = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;

/**
 * The definition a list read of this index partition (and segment), reading these attributes
 * (its projection; undefined: whole items), can take its first page from, if any.
 */
export function definitionFor(
  definitions: readonly QueueHeadDefinition[],
  id: HeadId,
  attributes: readonly string[] | undefined,
): QueueHeadDefinition | undefined {
  return definitions.find(
    (definition) =>
      definition.index === id.index &&
      partitionMatches(definition, id.partition) &&
      (definition.bySortSegment === true) === (id.segment !== undefined) &&
      sameAttributes(definition.attributes, attributes),
  );
}

/** The attributes a head keeps of an item: what the list reads, and the keys its cursor is made of. */
export function keptAttributes(definition: QueueHeadDefinition): readonly string[] | undefined {
  if (definition.attributes === undefined) return undefined;
  return [...new Set([...definition.attributes, 'pk', 'sk', `${definition.index}pk`, `${definition.index}sk`])];
}

/** The item as the list's Query returns it: only the kept attributes it has. */
export function projected(definition: QueueHeadDefinition, image: HeadItem): HeadItem {
  const kept = keptAttributes(definition);
  const item: Record<string, unknown> = kept === undefined ? { ...image } : {};
  if (kept !== undefined) for (const attribute of kept) if (image[attribute] !== undefined) item[attribute] = image[attribute];
  return withJsonValues(definition, item);
}

/** The item with its JSON text attributes (`jsonAttributes`) as the values they hold. */
export function withJsonValues(definition: QueueHeadDefinition, item: HeadItem): HeadItem {
  if (definition.jsonAttributes === undefined) return item;
  let copy: Record<string, unknown> | undefined;
  for (const attribute of definition.jsonAttributes) {
    const text = item[attribute];
    if (typeof text !== 'string') continue;
    copy ??= { ...item };
    copy[attribute] = JSON.parse(text);
  }
  return copy ?? item;
}

const sameRecord = (a: HeadItem, b: HeadItem): boolean => a.pk === b.pk && a.sk === b.sk;

/** A change of one item as a head sees it: the item's keys, and the item as it now is when it is in this head (else it left or was removed). */
export interface HeadChange {
  readonly key: { readonly pk: string; readonly sk: string };
  readonly item?: HeadItem;
}

/**
 * The head after a change: the item out of it, then back at its place when it is in this head now
 * and its place is among the items the head knows (a head that is not the whole queue cannot place
 * an item after its last one: unknown items may sort between). It may pass its capacity: a batch's
 * changes are applied one after the other, then the head is trimmed once (`trimmed`), so an item
 * pushed past the capacity by one change is still known when the next takes another out.
 */
export function applyChange(definition: QueueHeadDefinition, state: HeadState, change: HeadChange): HeadState {
  const items = state.items.filter((item) => !sameRecord(item, change.key));
  const complete = state.complete;
  if (change.item !== undefined) {
    const sortKeyOf = (item: HeadItem) => String(item[`${definition.index}sk`]);
    const key = sortKeyOf(change.item);
    const before = (item: HeadItem) => (definition.descending ? sortKeyOf(item) < key : sortKeyOf(item) > key);
    const at = items.findIndex(before);
    if (at !== -1) items.splice(at, 0, change.item);
    else if (complete) items.push(change.item);
  }
  return { items, complete };
}

/** The head within its capacity: past it, the last items go, and the head is no longer the whole queue. */
export const trimmed = (state: HeadState): HeadState =>
  state.items.length <= HEAD_CAPACITY ? state : { items: state.items.slice(0, HEAD_CAPACITY), complete: false };

/** A head that lost items it cannot replace from what it knows: it reads its queue again. */
export const needsRefill = (state: HeadState): boolean => !state.complete && state.items.length < HEAD_CAPACITY;

/**
 * JSON text of a head's items. Stream images and Query answers hold Sets (string and number sets),
 * bigints (integers past 2^53) and binaries, which JSON has no form for: they are written as a
 * tagged object and read back as what they were, so a page from a head is the page a Query gives.
 * A tagged attribute of an item is listed beside the items (`tagged`: item index and name), so a
 * read parses plain JSON and restores those only; one nested deeper makes the read revive every
 * value (`deep`), which costs it about three times as much.
 */
const TAG = '\u0000';
type Special = Set<unknown> | bigint | Uint8Array;
const isSpecial = (value: unknown): value is Special => value instanceof Set || typeof value === 'bigint' || value instanceof Uint8Array;

function tagged(value: Special): Record<string, unknown> {
  if (value instanceof Set) return { [TAG]: 'set', values: [...value] };
  if (typeof value === 'bigint') return { [TAG]: 'bigint', value: value.toString() };
  return { [TAG]: 'binary', value: Buffer.from(value).toString('base64') };
}

function untagged(value: Record<string, unknown>): unknown {
  switch (value[TAG]) {
    case 'set':
      return new Set(value.values as unknown[]);
    case 'bigint':
      return BigInt(value.value as string);
    case 'binary':
      return new Uint8Array(Buffer.from(value.value as string, 'base64'));
    default:
      return value;
  }
}

function holdsSpecial(value: unknown): boolean {
  if (isSpecial(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(holdsSpecial);
}

export function encodeHeadItems(items: readonly HeadItem[]): string {
  const list: [number, string][] = [];
  let deep = false;
  const plain = items.map((item, i) => {
    let copy: Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(item)) {
      if (isSpecial(value)) {
        copy ??= { ...item };
        copy[name] = tagged(value);
        list.push([i, name]);
      } else if (!deep && value !== null && typeof value === 'object' && holdsSpecial(value)) deep = true;
    }
    return copy ?? item;
  });
  if (deep) {
    return JSON.stringify({ deep: true, items }, function replacer(this: unknown, name: string, value: unknown) {
      const original = (this as Record<string, unknown>)[name];
      return isSpecial(original) ? tagged(original) : value;
    });
  }
  return JSON.stringify(list.length === 0 ? { items: plain } : { items: plain, tagged: list });
}

export function decodeHeadItems(text: string): HeadItem[] {
  const head = (
    text.startsWith('{"deep":true')
      ? JSON.parse(text, (_name, value: unknown) =>
          value !== null && typeof value === 'object' && TAG in value ? untagged(value as Record<string, unknown>) : value,
        )
      : JSON.parse(text)
  ) as { items: Record<string, unknown>[]; tagged?: [number, string][] };
  for (const [i, name] of head.tagged ?? []) {
    const item = head.items[i];
    if (item !== undefined) item[name] = untagged(item[name] as Record<string, unknown>);
  }
  return head.items;
}
