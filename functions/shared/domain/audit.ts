/**
 * The vocabulary of an audit trail, shared by every area's pure rules and by the store that writes
 * history records: who acted, and what moved from what to what. No AWS, no HTTP.
 */

export interface FieldDiff {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Actor {
  userId: string;
}
