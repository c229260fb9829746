import * as z from 'zod';
import { createRecord, get, list, remove, replaceRecord, requireWriter } from '../../shared/crud/crud.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { parseWith } from '../../shared/http/request.ts';
import { userId } from '../../shared/schemas/common.ts';
import { userResource } from '../resources.ts';
import { putUserBody } from '../schemas/directory.ts';

/**
 * Users are keyed by their token subject, so PUT /users/{userId} both registers (without If-Match)
 * and updates (with If-Match, like every other update).
 */
export const handler = httpHandler(
  byRoute({
    'GET /users': list(userResource),
    'GET /users/{userId}': get(userResource),
    'PUT /users/{userId}': async (request) => {
      requireWriter(request.principal, userResource);
      const { userId: id } = parseWith(z.object({ userId }), { userId: request.pathParam('userId') }, 'path');
      const fields = request.body(putUserBody);
      return request.header('if-match') === undefined
        ? createRecord(request, userResource, id, fields, fields)
        : replaceRecord(request, userResource, id, fields);
    },
    'DELETE /users/{userId}': remove(userResource),
  }),
);
