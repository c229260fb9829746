/*
 * The request configuration in force until an admin first writes it (version 0). A plain module,
 * apart from the /request-config schema (schemas/config.ts re-exports it), so that what reads the
 * configuration (e-mail, the order path) bundles no zod for it.
 */
export const REQUEST_CONFIG_DEFAULTS = { approvalTimeoutSeconds: 86_400, reminders: 2, emailDefaultItem: 'report-something-else' } as const;
