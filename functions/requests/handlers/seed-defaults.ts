import { log, withLogContext } from '../../shared/log.ts';
import { SEEDED_CATALOG, SEEDED_GROUPS } from '../seed-catalog.ts';
import { type CatalogSeedOutcome, seedCatalog } from '../store/catalog-store.ts';

/**
 * Run after every deployment (a CDK trigger) and at each local start: the seeded service catalog
 * (../seed-catalog.ts) and the groups it names, those absent, once per table. Later runs find the
 * marker and return `seeded: false`. The request configuration needs no seeding: until an admin
 * writes it, its defaults apply (store/request-config-store.ts).
 */
export const handler = withLogContext(seedDefaults);
async function seedDefaults(): Promise<CatalogSeedOutcome> {
  const outcome = await seedCatalog(SEEDED_CATALOG, SEEDED_GROUPS);
  if (outcome.seeded) log.info('Service catalog seeded', { ...outcome });
  return outcome;
}
