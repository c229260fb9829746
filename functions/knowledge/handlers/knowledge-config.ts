import { getSingleton, putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { type PutKnowledgeConfig, putKnowledgeConfigBody } from '../schemas/knowledge-config.ts';
import {
  canonicalKnowledgeConfig,
  getKnowledgeConfig,
  KNOWLEDGE_CONFIG_FIELDS,
  KNOWLEDGE_CONFIG_ITEM,
  type KnowledgeConfig,
  knowledgeConfigItems,
  rememberKnowledgeConfig,
} from '../store/config-store.ts';

/*
 * /knowledge-config: how many days a published article goes without review before it is due
 * (its read shows `reviewDue`, the knowledge report lists it). Agents read it; admins change it
 * with If-Match. Reads of articles use a copy cached for a minute per instance
 * (store/config-store.ts cachedKnowledgeConfig); the report and this route read it strongly.
 */

const knowledgeConfig: SingletonResource<KnowledgeConfig, KnowledgeConfig, undefined, PutKnowledgeConfig> = {
  access: { readDenied: 'Only agents and admins can read the knowledge configuration', writeDenied: 'Only admins can change the knowledge configuration' },
  fields: KNOWLEDGE_CONFIG_FIELDS,
  keyOf: () => undefined,
  load: getKnowledgeConfig,
  fieldsOf: (input) => canonicalKnowledgeConfig({ ...input, version: 0 }),
  record: (config, { at, version }) => canonicalKnowledgeConfig({ ...config, updatedAt: at, version }),
  writeItems: (config, expected, actor, changes) => knowledgeConfigItems(config, expected, actor, changes),
  itemName: KNOWLEDGE_CONFIG_ITEM,
};

const putConfig = putSingleton(knowledgeConfig, putKnowledgeConfigBody);

export const handler = httpHandler(
  byRoute({
    'GET /knowledge-config': getSingleton(knowledgeConfig),
    'PUT /knowledge-config': async (request) => {
      const result = await putConfig(request);
      // This instance's article reads see the change at once; other instances within a minute.
      rememberKnowledgeConfig(result.body as KnowledgeConfig);
      return result;
    },
  }),
);
