import { seedSlaDefaults, type SeedOutcome } from '../store/config-store.ts';

/**
 * Run after every deployment (a CDK trigger) and at each local start. Only the first run of a
 * table writes anything; later runs find the marker and return `seeded: false`.
 */
export async function handler(): Promise<SeedOutcome> {
  return seedSlaDefaults();
}
