import { forbidden, preconditionFailed } from '../../shared/errors.ts';
import { byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { priorityMatrixBody } from '../schemas/incident.ts';
import { getIncidentSettings, PRIORITY_MATRIX_ITEM, setPriorityMatrixItems } from '../store/incident-store.ts';

/**
 * The impact x urgency matrix is deployment configuration kept in the table, so admins change it
 * without a deploy. It applies to incidents created or re-prioritized after the change.
 */
export const handler = httpHandler(
  byRoute({
    'GET /config/priority-matrix': async (request) => {
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read configuration');
      const settings = await getIncidentSettings();
      return { status: 200, body: { matrix: settings.matrix, version: settings.matrixVersion }, headers: { etag: etagOf(settings.matrixVersion) } };
    },
    'PUT /config/priority-matrix': async (request) => {
      if (!request.principal.isAdmin) throw forbidden('Only admins can change configuration');
      const ifMatch = request.ifMatch();
      const { matrix } = request.body(priorityMatrixBody);
      const current = await getIncidentSettings();
      const expected = ifMatch.check(current.matrixVersion);
      const version = expected + 1;
      const changes = diffFields({ matrix: current.matrix }, { matrix }, ['matrix']);
      try {
        await transactWrite(
          setPriorityMatrixItems(matrix, expected, { at: new Date().toISOString(), actor: request.principal.userId, action: 'updated', version, changes }),
        );
      } catch (error) {
        if (error instanceof TransactionRefused && error.has(PRIORITY_MATRIX_ITEM)) throw preconditionFailed();
        throw error;
      }
      return { status: 200, body: { matrix, version }, headers: { etag: etagOf(version) } };
    },
  }),
);
