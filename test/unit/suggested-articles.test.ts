import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/*
 * The suggestions a create answers (functions/shared/search/suggested-articles.ts): a requester's
 * are public articles only, an agent's every published one, at most five; a search that fails
 * (the index unreachable) answers [] and never fails the create. The engine is stubbed: no I/O.
 */
const suggestArticles = vi.fn();
const refresh = vi.fn();
vi.mock('../../functions/shared/search/suggest.ts', () => ({ suggestArticles }));
vi.mock('../../functions/shared/search/reader.ts', () => ({ openSearchIndex: () => ({ refresh }) }));

let module: typeof import('../../functions/shared/search/suggested-articles.ts');
beforeAll(async () => {
  vi.stubEnv('TABLE_NAME', 'unit-no-table');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  module = await import('../../functions/shared/search/suggested-articles.ts');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const article = { id: '01JARTICLE0000000000000001', number: 'KB0000001', title: 'Reset your VPN password', score: 3.2 };

describe('suggestedArticlesFor', () => {
  it("asks for public articles for a requester, all for an agent, at most 5, with the need's words", async () => {
    suggestArticles.mockResolvedValue([article]);
    expect(await module.suggestedArticlesFor({ isAgent: false }, { title: 'vpn', description: 'password', service: 'vpn' })).toEqual([
      { ...article, url: `/articles/${article.id}` },
    ]);
    expect(suggestArticles).toHaveBeenLastCalledWith({ title: 'vpn', description: 'password', service: 'vpn' }, { audience: 'public', limit: 5 });
    await module.suggestedArticlesFor({ isAgent: true }, { title: 'vpn' });
    expect(suggestArticles).toHaveBeenLastCalledWith({ title: 'vpn' }, { audience: 'all', limit: 5 });
  });

  it('answers [] when the search fails (the index unreachable), never rejecting', async () => {
    suggestArticles.mockRejectedValue(new Error('NoSuchBucket'));
    await expect(module.suggestedArticlesFor({ isAgent: false }, { title: 'vpn' })).resolves.toEqual([]);
  });
});

describe('prepareSuggestions', () => {
  it('refreshes the articles index and never rejects', async () => {
    refresh.mockResolvedValueOnce(undefined);
    await expect(module.prepareSuggestions()).resolves.toBeUndefined();
    refresh.mockRejectedValueOnce(new Error('unreachable'));
    await expect(module.prepareSuggestions()).resolves.toBeUndefined();
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});
