import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArticleNameField } from '../../functions/knowledge/store/keys.ts';

/*
 * The directory finds the articles naming a group or a service by the key shape of knowledge's
 * marker items (functions/directory/store/usage.ts ARTICLE_NAMES), written out there because the
 * directory may not import knowledge (it sits below). This holds that copy against the marker items
 * knowledge writes (article-store.ts articleNamePut, keys.ts articleNameIndexes): renaming an index
 * or a prefix on one side only fails here.
 */

let usage: typeof import('../../functions/directory/store/usage.ts');
let articles: typeof import('../../functions/knowledge/store/article-store.ts');

beforeAll(async () => {
  // Both stores read TABLE_NAME when loaded; nothing here reaches a table.
  vi.stubEnv('TABLE_NAME', 'unit-no-table');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  [usage, articles] = await Promise.all([import('../../functions/directory/store/usage.ts'), import('../../functions/knowledge/store/article-store.ts')]);
});

afterAll(() => {
  vi.unstubAllEnvs();
});

const FIELDS: ArticleNameField[] = ['ownerGroup', 'services'];

describe("the directory's copy of knowledge's article-name keys", () => {
  it('covers both fields an article names directory records by', () => {
    expect(Object.keys(usage.ARTICLE_NAMES).sort()).toEqual([...FIELDS].sort());
  });

  it.each(FIELDS)('%s: the index and partition the directory queries are those of the marker knowledge writes, with the attributes it reads', (field) => {
    const { index, prefix } = usage.ARTICLE_NAMES[field];
    const put = articles.articleNamePut({ id: 'art-1', number: 'KB-TEST-1' }, field, 'network');
    const item = put.Put?.Item as Record<string, unknown>;
    expect(item[`${index}pk`]).toBe(`${prefix}network`);
    expect(item[`${index}sk`]).toBe('KB-TEST-1');
    // usage.ts answers each reference from these two attributes.
    expect(item.articleId).toBe('art-1');
    expect(item.number).toBe('KB-TEST-1');
  });
});
