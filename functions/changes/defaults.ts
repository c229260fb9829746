import { DEFAULT_RISK_RULES } from './domain/risk.ts';
import type { ChangeConfig } from './store/change-config-store.ts';

/*
 * What a fresh deployment starts with, so that the first change can be submitted on day one.
 * seedChangeDefaults (store/change-config-store.ts) writes the configuration and creates its
 * boards as empty groups, once per table; from then on they are ordinary records that admins fill
 * in, change or delete, and a later deployment never brings them back.
 */

export const DEFAULT_CHANGE_CONFIG: Omit<ChangeConfig, 'version' | 'updatedAt'> = {
  cabGroup: 'cab',
  emergencyGroup: 'ecab',
  changeManagersGroup: 'change-managers',
  cabQuorum: 2,
  // A working day per wait: with 2 reminders a change waits up to 4 days before it expires.
  approvalTimeoutSeconds: 86_400,
  reminders: 2,
  riskRules: DEFAULT_RISK_RULES,
};

/** The groups the default configuration names, as the seeding creates them: no members yet. */
export const DEFAULT_BOARD_GROUPS: readonly { name: string; displayName: string; description: string }[] = [
  {
    name: DEFAULT_CHANGE_CONFIG.cabGroup,
    displayName: 'Change Advisory Board',
    description: 'Approves normal changes of medium and high risk (GET /change-config: cabGroup, cabQuorum)',
  },
  {
    name: DEFAULT_CHANGE_CONFIG.emergencyGroup,
    displayName: 'Emergency CAB',
    description: 'Approves emergency changes (GET /change-config: emergencyGroup)',
  },
  {
    name: DEFAULT_CHANGE_CONFIG.changeManagersGroup,
    displayName: 'Change Managers',
    description: 'Told when approvals stall past their reminders (GET /change-config: changeManagersGroup)',
  },
];
