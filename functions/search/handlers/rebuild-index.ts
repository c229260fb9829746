// Placeholder of the skeleton (issue 16): the slice that builds this consumer replaces it.
export const handler = async (): Promise<Record<string, never>> => ({});
