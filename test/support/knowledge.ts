import { expect } from 'vitest';
import type { Client } from './api.ts';

/*
 * Knowledge articles written through the HTTP API, for the tests of issue 16: the reply checked
 * (with its body in the message), and an article taken through its review to published.
 */

export type Article = Record<string, any> & { id: string; number: string; version: number; status: string };

/** The If-Match header of a record as read: its version, quoted. */
export const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

/** The body of a reply that must have `status` (200 unless told); the test fails with the body otherwise. */
export async function ok<T = any>(reply: Promise<{ status: number; body: T }>, status = 200): Promise<T> {
  const answer = await reply;
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body;
}

/** A draft submitted by `author` and approved by `reviewer` (of the owner group, not the author): the published article. */
export async function publishDraft(author: Client, reviewer: Client, draft: Article): Promise<Article> {
  const submitted = await ok<Article>(author.post(`/articles/${draft.id}/submit`, {}, ifMatch(draft)));
  const approved = await ok<Article>(reviewer.post(`/articles/${draft.id}/review`, { decision: 'approve' }, ifMatch(submitted)));
  expect(approved.status).toBe('published');
  return approved;
}

/** An article created by `author` with `fields` (POST /articles, 201), submitted, approved by `reviewer`: published. */
export async function publishArticle(author: Client, reviewer: Client, fields: Record<string, unknown>): Promise<Article> {
  return publishDraft(author, reviewer, await ok<Article>(author.post('/articles', fields), 201));
}
