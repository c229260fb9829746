import { describe, expect, it } from 'vitest';
import { INCIDENT_FIELD_ORDER, INCIDENT_HISTORY_FIELD_ORDER, INCIDENT_NOTE_FIELD_ORDER } from '../../functions/incidents/domain/field-order.ts';
import { historyRecordSchema, incidentSchema, noteSchema } from '../../functions/incidents/schemas/incident.ts';
import { REQUEST_FIELD_ORDER } from '../../functions/requests/domain/field-order.ts';
import { requestSchema } from '../../functions/requests/schemas/request.ts';

/*
 * The stores read items through plain field lists so that functions which only write (e-mail)
 * bundle no zod. The schemas stay the one description of the fields: each list must be exactly its
 * schema's fields, in its order, or a field added to a schema would be dropped from every read.
 */
describe('field orders the stores read through', () => {
  it.each([
    ['incident', INCIDENT_FIELD_ORDER, incidentSchema.shape],
    ['incident note', INCIDENT_NOTE_FIELD_ORDER, noteSchema.shape],
    ['incident history record', INCIDENT_HISTORY_FIELD_ORDER, historyRecordSchema.shape],
    ['service request', REQUEST_FIELD_ORDER, requestSchema.shape],
  ])('%s: the schema’s fields, in its order', (_name, order, shape) => {
    expect(order).toEqual(Object.keys(shape));
  });
});
