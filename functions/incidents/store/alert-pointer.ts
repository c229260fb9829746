import { TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';

/*
 *   pointer  pk ALERT#<scope>#<dedupKey>  sk OPEN   the open incident of this dedup key
 *
 * Which incident collects the events of a dedup key while it is open. The incidents area's alert
 * operations (operations.ts) create it when an event opens an incident and delete it when a resolve
 * event arrives, as entries of ingestion's transaction; the incident's own writes remove it too,
 * in their transaction, when the incident stops being open (PagerDuty's semantics: the next trigger
 * of the key opens a new incident). Ingestion only reads it; its raw events share its partition
 * (alertPartition), so the stream hands one key's events to the processor in order.
 */

export const alertPartition = (scope: string, dedupKey: string): string => `ALERT#${scope}#${dedupKey}`;
export const pointerKey = (scope: string, dedupKey: string) => ({ pk: alertPartition(scope, dedupKey), sk: 'OPEN' });

export interface Pointer {
  incidentId: string;
  number: string;
  openedAt: string;
}

export function pointerPut(scope: string, dedupKey: string, pointer: Pointer): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...pointerKey(scope, dedupKey), entity: 'alert-pointer', ...pointer },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Holds only while the pointer still names this incident (a resolution may have removed it). */
export function pointerCheck(scope: string, dedupKey: string, incidentId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: pointerKey(scope, dedupKey),
      ConditionExpression: 'incidentId = :incident',
      ExpressionAttributeValues: { ':incident': incidentId },
    },
  };
}

/** Ends deduplication into this incident: the next trigger of the key opens a new one. */
export function pointerDelete(scope: string, dedupKey: string, incidentId: string): TransactItem {
  return {
    Delete: {
      TableName: TABLE_NAME,
      Key: pointerKey(scope, dedupKey),
      ConditionExpression: 'attribute_not_exists(pk) OR incidentId = :incident',
      ExpressionAttributeValues: { ':incident': incidentId },
    },
  };
}
