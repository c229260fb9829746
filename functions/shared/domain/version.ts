/** What the version rule reads of an entity: its number (for the message) and its version (the ETag). */
export interface Versioned {
  number: string;
  version: number;
}

/**
 * Whether a write leaves its entity at the version read (something lands beside it, as a note),
 * after checking the rule every versioned write keeps: the version is the ETag, so content that
 * changes under the same version would never reach a reader holding it, and an entity that changes
 * moves exactly one version on. A broken rule is a programming error: it throws.
 */
export function isUnchangedWrite(before: Versioned | undefined, after: Versioned, changes: readonly unknown[]): boolean {
  const unchanged = before !== undefined && before.version === after.version;
  if (unchanged && changes.length > 0) throw new Error(`A write that changes ${after.number} must give it a new version`);
  if (before !== undefined && !unchanged && after.version !== before.version + 1) {
    throw new Error(`${after.number} goes from version ${before.version} to ${before.version + 1}, not ${after.version}`);
  }
  return unchanged;
}
