import { describe, expect, it } from 'vitest';
import { INCIDENT_FIELD_ORDER, INCIDENT_HISTORY_FIELD_ORDER, INCIDENT_NOTE_FIELD_ORDER } from '../../functions/incidents/domain/field-order.ts';
import { historyRecordSchema, incidentSchema, noteSchema } from '../../functions/incidents/schemas/incident.ts';
import { ARTICLE_FIELD_ORDER, ARTICLE_HISTORY_FIELD_ORDER, ARTICLE_VERSION_FIELD_ORDER } from '../../functions/knowledge/domain/field-order.ts';
import { articleHistoryRecordSchema, articleSchema, articleVersionSchema } from '../../functions/knowledge/schemas/article-responses.ts';
import { REQUEST_FIELD_ORDER } from '../../functions/requests/domain/field-order.ts';
import { requestSchema } from '../../functions/requests/schemas/request-responses.ts';

/*
 * The stores read items through plain field lists so that functions which only write (e-mail)
 * bundle no zod, and knowledge handlers no response schemas. The schemas stay the one description of the fields: each list must be exactly its
 * schema's fields, in its order, or a field added to a schema would be dropped from every read.
 */
describe('field orders the stores read through', () => {
  it.each([
    ['incident', INCIDENT_FIELD_ORDER, incidentSchema.shape],
    ['incident note', INCIDENT_NOTE_FIELD_ORDER, noteSchema.shape],
    ['incident history record', INCIDENT_HISTORY_FIELD_ORDER, historyRecordSchema.shape],
    ['service request', REQUEST_FIELD_ORDER, requestSchema.shape],
    ['article', ARTICLE_FIELD_ORDER, articleSchema.shape],
    ['article version', ARTICLE_VERSION_FIELD_ORDER, articleVersionSchema.shape],
    ['article history record', ARTICLE_HISTORY_FIELD_ORDER, articleHistoryRecordSchema.shape],
  ])('%s: the schema’s fields, in its order', (_name, order, shape) => {
    expect(order).toEqual(Object.keys(shape));
  });
});
