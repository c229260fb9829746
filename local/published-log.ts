/**
 * What the product sent out while running locally: SNS notifications (local/sns.ts) and its own
 * domain events on EventBridge (local/eventbridge.ts). In AWS these go to subscribers and rules
 * nobody can watch from a laptop; locally each one is printed as one readable line as it happens,
 * and the recent ones are kept for `GET /local/notifications`, `GET /local/events` and tests.
 */

export interface PublishedNotification {
  readonly kind: 'notification';
  readonly topicArn: string;
  readonly subject?: string;
  /** The message, parsed when it is JSON (the product's notifications are), else the text. */
  readonly message: unknown;
  /** Message attributes by name: String and Number as sent, String.Array as its JSON text, Binary as base64. */
  readonly attributes: Record<string, string>;
  readonly messageId: string;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
  /** When it was accepted (ISO). */
  readonly at: string;
}

export interface PublishedEvent {
  readonly kind: 'event';
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  /** The EventId PutEvents answered. */
  readonly id: string;
  /** The event's time (ISO). */
  readonly at: string;
}

export type Published = PublishedNotification | PublishedEvent;

export interface PublishedLogOptions {
  /** Keeps the most recent ones only, so a long `npm start` does not grow without bound. */
  readonly capacity?: number;
  /** Where the one-line summaries go; `false` keeps tests quiet. Defaults to console.log. */
  readonly print?: ((line: string) => void) | false;
}

type Predicate = (entry: Published) => boolean;

const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

/** What a reader looks for first in a domain event or notification: the record it is about. */
function identifierOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['number', 'incidentNumber', 'changeNumber', 'id', 'incidentId']) {
    const found = record[key];
    if (typeof found === 'string' || typeof found === 'number') return String(found);
  }
  for (const key of ['incident', 'change', 'record']) {
    const nested = identifierOf(record[key]);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

const oneLine = (text: string, max = 100) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function summarize(entry: Published): string {
  if (entry.kind === 'event') {
    const id = identifierOf(entry.detail);
    return `[event] ${entry.detailType}${id === undefined ? '' : ` ${id}`}`;
  }
  let what = entry.subject;
  if (what === undefined) {
    const id = identifierOf(entry.message);
    const type = entry.attributes.type ?? entry.attributes.eventType ?? entry.attributes.kind;
    what = [type, id].filter((part) => part !== undefined).join(' ');
    if (what === '') what = oneLine(typeof entry.message === 'string' ? entry.message : JSON.stringify(entry.message));
  }
  return `[sns] ${oneLine(what)} -> ${lastSegment(entry.topicArn)}`;
}

export class PublishedLog {
  readonly #entries: Published[] = [];
  readonly #waiters = new Set<{ predicate: Predicate; resolve: (entry: Published) => void }>();
  readonly #capacity: number;
  readonly #print: ((line: string) => void) | false;

  constructor(options: PublishedLogOptions = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#print = options.print ?? ((line) => console.log(line));
  }

  add(entry: Published): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
    if (this.#print !== false) this.#print(summarize(entry));
    for (const waiter of this.#waiters) {
      if (!waiter.predicate(entry)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(entry);
    }
  }

  list(filter?: Predicate): Published[] {
    return filter === undefined ? [...this.#entries] : this.#entries.filter(filter);
  }

  notifications(): PublishedNotification[] {
    return this.#entries.filter((entry): entry is PublishedNotification => entry.kind === 'notification');
  }

  events(): PublishedEvent[] {
    return this.#entries.filter((entry): entry is PublishedEvent => entry.kind === 'event');
  }

  /** The first entry, already recorded or still to come, that matches; rejects after timeoutMs. */
  waitFor<T extends Published = Published>(predicate: (entry: Published) => boolean, timeoutMs = 5000): Promise<T> {
    const found = this.#entries.find(predicate);
    if (found !== undefined) return Promise.resolve(found as T);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (entry: Published) => {
          clearTimeout(timer);
          resolve(entry as T);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`PublishedLog.waitFor: nothing matched within ${timeoutMs} ms (${this.#entries.length} entries recorded)`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}
