import { type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import type { IncidentAlert } from '../domain/incident.ts';
import { incidentAlertKey } from './incident-store.ts';

/*
 *   alert  pk INCIDENT#<id>  sk INCIDENT#ALERT   occurrences and recent events of an incident opened by events
 *
 * The incident's own item, though monitoring events are what fill it: it lives in the incident's
 * partition, right after the incident item, so that one strongly consistent Query (getIncidentRecord,
 * `begins_with(sk, 'INCIDENT')`) reads both, for GET /incidents/{id} (`alert`) and for the ingestion
 * processor deciding what an event does. Being the incident's, it is written only through the
 * incidents area's alert operations (operations.ts), never by ingestion itself.
 */

/** The stored alert state: the incident's `alert`, plus the revision its writes are conditional on. */
export interface IncidentAlertState extends IncidentAlert {
  revision: number;
}

const ENTITY = 'alert-state';

/** The first alert state, written when an event opens the incident. */
export function incidentAlertPut(incidentId: string, alert: IncidentAlert): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...incidentAlertKey(incidentId), entity: ENTITY, ...alert, revision: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Replaces the state written at `expectedRevision`: a concurrent writer makes the transaction fail. */
export function incidentAlertReplace(incidentId: string, alert: IncidentAlert, expectedRevision: number): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...incidentAlertKey(incidentId), entity: ENTITY, ...alert, revision: expectedRevision + 1 },
      ConditionExpression: 'revision = :revision',
      ExpressionAttributeValues: { ':revision': expectedRevision },
    },
  };
}

export const incidentAlertFromItem = (item: Item): IncidentAlertState => withoutKeys<IncidentAlertState>(item);
