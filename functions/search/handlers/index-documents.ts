import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { getIncidentRecord } from '../../incidents/store/incident-store.ts';
import { getArticleById } from '../../knowledge/store/article-store.ts';
import { getProblemById } from '../../problems/store/problem-store.ts';
import { log } from '../../shared/log.ts';
import { writeSearchChanges } from '../../shared/search/change-log.ts';
import type { SearchChange, SearchIndexName } from '../../shared/search/documents.ts';
import { compactIfDue } from '../compaction.ts';
import { articleChange } from '../documents/article.ts';
import { incidentChange } from '../documents/incident.ts';
import { problemChanges } from '../documents/problem.ts';

/*
 * The SearchIndex bus rule's queue: the product's Article, Incident and Problem events (their
 * detail-type's first word; functions/search/area.ts). Each event names its record by id; the
 * record is read as it is now (strongly consistent) and mapped to its search documents
 * (functions/search/documents), which are written to the index's change log
 * (functions/shared/search/change-log.ts): readers (GET /search, suggestions) pick them up on
 * their next refresh, within a second or two of the write.
 *
 * Idempotent and order-insensitive: an event read late, twice or out of order writes the record's
 * CURRENT documents at the record's version, and a change never replaces one of a higher version.
 * Several events of one record in a batch read it once. Events that cannot change what is indexed
 * are skipped unread: notes and feedback, and the Article events of a draft or of the pending
 * version of a published article (created, updated, submitted, rejected: the record's content,
 * which is what is indexed, is the published one). Only `Article Published` and `Article Retired`
 * change the `articles` index, and each writes the record as it is when read, so the last of them
 * always leaves the index right. An article never published writes nothing either (it never was
 * in the index). A record that is gone writes nothing (no area deletes these).
 *
 * After writing, each index written to is compacted when due (../compaction.ts). A message whose
 * read or write fails is retried through the queue (partial batch failures), then dead-lettered:
 * `npm run replay-dead-letters -- --queue search`.
 */

interface BusEvent {
  id: string;
  'detail-type': string;
  detail?: { article?: { id?: unknown }; incident?: { id?: unknown }; problem?: { id?: unknown } };
}

/**
 * Events that never change a document: what they add (a note, feedback) is not indexed, or they
 * touch only a version readers do not see (a draft; a published article's pending version).
 */
const SKIPPED = new Set([
  'Article Feedback Received',
  'Article Created',
  'Article Updated',
  'Article Submitted',
  'Article Rejected',
  'Incident Note Added',
  'Problem Note Added',
]);

type Subject = { kind: 'article' | 'incident' | 'problem'; id: string };

const INDEX_OF: Readonly<Record<Subject['kind'], SearchIndexName>> = { article: 'articles', incident: 'tickets', problem: 'tickets' };

/** The record an event is about, by the first word of its detail-type; undefined for an event the index ignores. */
export function subjectOf(event: BusEvent): Subject | undefined {
  const type = event['detail-type'];
  if (typeof type !== 'string' || SKIPPED.has(type)) return undefined;
  const kind = type.startsWith('Article ') ? 'article' : type.startsWith('Incident ') ? 'incident' : type.startsWith('Problem ') ? 'problem' : undefined;
  if (kind === undefined) return undefined;
  const id = event.detail?.[kind]?.id;
  return typeof id === 'string' && id !== '' ? { kind, id } : undefined;
}

/** The changes a record's current state makes to its index; none when the record is not found. */
async function changesOf(subject: Subject, at: string): Promise<SearchChange[]> {
  switch (subject.kind) {
    case 'article': {
      const article = await getArticleById(subject.id);
      const change = article === undefined ? undefined : articleChange(article, at);
      return change === undefined ? [] : [change];
    }
    case 'incident': {
      const { incident } = await getIncidentRecord(subject.id);
      return incident === undefined ? [] : [incidentChange(incident, at)];
    }
    case 'problem': {
      const problem = await getProblemById(subject.id);
      return problem === undefined ? [] : problemChanges(problem, at);
    }
  }
}

const keyOf = (subject: Subject): string => `${subject.kind}:${subject.id}`;

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed = new Set<string>();
  // The messages of each record: several events of one record are one read and one change.
  const bySubject = new Map<string, { subject: Subject; messages: SQSRecord[] }>();
  for (const message of event.Records) {
    let parsed: BusEvent;
    try {
      parsed = JSON.parse(message.body) as BusEvent;
    } catch {
      log.warn('search indexer: a message that is not an event; ignored', { messageId: message.messageId });
      continue;
    }
    const subject = subjectOf(parsed);
    if (subject === undefined) continue;
    const entry = bySubject.get(keyOf(subject)) ?? { subject, messages: [] };
    entry.messages.push(message);
    bySubject.set(keyOf(subject), entry);
  }

  // Read every record (all in flight together), then write each index's changes in one go.
  const at = new Date().toISOString();
  const byIndex = new Map<SearchIndexName, { changes: SearchChange[]; messages: SQSRecord[] }>();
  await Promise.all(
    [...bySubject.values()].map(async ({ subject, messages }) => {
      try {
        const changes = await changesOf(subject, at);
        const entry = byIndex.get(INDEX_OF[subject.kind]) ?? { changes: [], messages: [] };
        entry.changes.push(...changes);
        entry.messages.push(...messages);
        byIndex.set(INDEX_OF[subject.kind], entry);
      } catch (error) {
        log.error('search indexer: record not read; its events are retried', { kind: subject.kind, id: subject.id, error: String(error) });
        for (const message of messages) failed.add(message.messageId);
      }
    }),
  );
  await Promise.all(
    [...byIndex].map(async ([index, { changes, messages }]) => {
      if (changes.length === 0) return;
      try {
        await writeSearchChanges(index, changes);
      } catch (error) {
        log.error('search indexer: changes not written; their events are retried', { index, changes: changes.length, error: String(error) });
        for (const message of messages) failed.add(message.messageId);
        return;
      }
      try {
        const compaction = await compactIfDue(index, changes.length);
        if (compaction !== undefined) log.info('search index compacted', { ...compaction });
      } catch (error) {
        // The changes are written: readers have them. The next batch tries again.
        log.warn('search indexer: compaction failed; tried again after the next batch', { index, error: String(error) });
      }
    }),
  );
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
};
