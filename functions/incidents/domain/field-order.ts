/*
 * The documented order of an incident's, a note's and a history record's fields, as plain lists:
 * the store reads items through them without loading the API schemas (zod), so that functions
 * which only write incidents (e-mail) bundle no zod. test/unit/field-order.test.ts checks each list
 * against its schema's shape (schemas/incident.ts), which stays the one description of the fields.
 */

export const INCIDENT_FIELD_ORDER: readonly string[] = [
  'id',
  'number',
  'title',
  'description',
  'impact',
  'urgency',
  'priority',
  'status',
  'holdReason',
  'service',
  'configurationItems',
  'impactedServices',
  'configurationItem',
  'category',
  'assignmentGroup',
  'assignee',
  'caller',
  'resolutionCode',
  'resolutionNotes',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
  'acknowledgedAt',
  'acknowledgedBy',
  'resolvedAt',
  'resolvedBy',
  'closedAt',
  'canceledAt',
  'reopenCount',
  'version',
  'escalationLevel',
  'sla',
  'dedupKey',
  'dedupScope',
  'problem',
  'alert',
];

export const INCIDENT_NOTE_FIELD_ORDER: readonly string[] = ['id', 'incidentId', 'body', 'visibility', 'author', 'createdAt'];

export const INCIDENT_HISTORY_FIELD_ORDER: readonly string[] = ['id', 'incidentId', 'at', 'actor', 'action', 'version', 'changes', 'noteVisibility'];
