import { monotonicFactory } from 'ulid';
import type { FieldDiff } from '../domain/audit.ts';
import { TABLE_NAME, type TransactItem } from './db.ts';

/** Time-ordered ids: sort keys built from them list records in the order they happened. */
export const newId = monotonicFactory();

export type { FieldDiff };

export interface HistoryDraft {
  at: string;
  actor: string;
  /**
   * `incident_linked` / `incident_unlinked`: a problem's links; `fix_failed`: its fix's change request failed (functions/problems).
   * `relationship_added` / `relationship_removed`: a CI's relationships, recorded at both ends (functions/cmdb).
   * `feedback_added`: a reader's vote (and comment) on a published version of an article (functions/knowledge).
   */
  action:
    | 'created'
    | 'updated'
    | 'deleted'
    | 'note_added'
    | 'incident_linked'
    | 'incident_unlinked'
    | 'fix_failed'
    | 'relationship_added'
    | 'relationship_removed'
    | 'feedback_added';
  version: number;
  changes: FieldDiff[];
  noteVisibility?: 'work' | 'public';
}

/** What a versioned entity's write tells its history record (requestWrite, taskWrite, changeRequestWrite, problemWrite). */
export interface EntityWriteRecord {
  /** Undefined when the entity is being created. */
  before?: unknown;
  after: { version: number };
  actor: string;
  now: Date;
  changes: FieldDiff[];
  /** Defaults: created without `before`, else updated. */
  action?: HistoryDraft['action'];
  noteVisibility?: HistoryDraft['noteVisibility'];
}

/** The history record of an entity's write, at the version the write leaves it at. */
export function writeHistoryDraft(write: EntityWriteRecord): HistoryDraft {
  return {
    at: write.now.toISOString(),
    actor: write.actor,
    action: write.action ?? (write.before === undefined ? 'created' : 'updated'),
    version: write.after.version,
    changes: write.changes,
    ...(write.noteVisibility === undefined ? {} : { noteVisibility: write.noteVisibility }),
  };
}

/**
 * An audit record in the partition of what it describes. It is only ever written inside the
 * transaction of the change it records, and no route updates or deletes it.
 */
export function historyPut(pk: string, subjectId: string, draft: HistoryDraft): TransactItem {
  const id = newId();
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { pk, sk: `HISTORY#${id}`, entity: 'history', id, subjectId, ...draft },
      // Append-only: an (unexpected) id collision must fail rather than overwrite a record.
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Field-level differences between two versions of a record, for its history. */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>, fields: readonly string[]): FieldDiff[] {
  const changes: FieldDiff[] = [];
  for (const field of fields) {
    const from = before[field] ?? null;
    const to = after[field] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to });
  }
  return changes;
}
