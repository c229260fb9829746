import { withLogContext } from '../../shared/log.ts';
import { type SeedOutcome, seedSlaDefaults } from '../store/config-store.ts';

/**
 * Run after every deployment (a CDK trigger) and at each local start. Only the first run of a
 * table writes anything; later runs find the marker and return `seeded: false`.
 */
export const handler = withLogContext(seedDefaults);
async function seedDefaults(): Promise<SeedOutcome> {
  return seedSlaDefaults();
}
