import type * as z from 'zod';
import { getSingleton, putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import type { PriorityMatrix } from '../domain/priority.ts';
import { priorityMatrixBody } from '../schemas/incident.ts';
import { getIncidentSettings, PRIORITY_MATRIX_ITEM, setPriorityMatrixItems } from '../store/incident-store.ts';

/**
 * The impact x urgency matrix is deployment configuration kept in the table, so admins change it
 * without a deploy. It applies to incidents created or re-prioritized after the change.
 */

interface MatrixRecord {
  readonly matrix: PriorityMatrix;
  readonly version: number;
}

const priorityMatrix: SingletonResource<MatrixRecord, { matrix: PriorityMatrix }, undefined, z.infer<typeof priorityMatrixBody>> = {
  access: { readDenied: 'Only agents and admins can read configuration', writeDenied: 'Only admins can change configuration' },
  fields: ['matrix'],
  keyOf: () => undefined,
  load: async () => {
    const settings = await getIncidentSettings();
    return { matrix: settings.matrix, version: settings.matrixVersion };
  },
  fieldsOf: (body) => ({ matrix: body.matrix }),
  record: ({ matrix }, { version }) => ({ matrix, version }),
  // The matrix shares the incident settings item, where its version is `matrixVersion`.
  writeItems: ({ matrix, version }, expected, actor, changes) =>
    setPriorityMatrixItems(matrix, expected, { at: new Date().toISOString(), actor, action: 'updated', version, changes }),
  itemName: PRIORITY_MATRIX_ITEM,
  storedVersion: (item) => Number(item.matrixVersion ?? 0),
};

export const handler = httpHandler(
  byRoute({
    'GET /config/priority-matrix': getSingleton(priorityMatrix),
    'PUT /config/priority-matrix': putSingleton(priorityMatrix, priorityMatrixBody),
  }),
);
