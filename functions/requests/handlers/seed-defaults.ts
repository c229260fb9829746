/** Placeholder while issue 15's catalog slice writes the seeded catalog (slice B replaces this file). */
export const handler = async (): Promise<{ seeded: number }> => ({ seeded: 0 });
