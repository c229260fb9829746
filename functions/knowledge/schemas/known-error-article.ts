import * as z from 'zod';
import { slug } from '../../shared/schemas/common.ts';

/* POST /known-errors/{id}/article: the body is optional. */

export const knownErrorArticleBody = z
  .strictObject({
    ownerGroup: slug
      .optional()
      .describe("The group that owns and reviews the article; default: the problem's assignment group (required when the problem has none)"),
  })
  .meta({ id: 'KnownErrorArticle', description: 'Optional: everything else comes from the known error' });
export type KnownErrorArticleBody = z.infer<typeof knownErrorArticleBody>;
