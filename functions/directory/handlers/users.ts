import * as z from 'zod';
import { createRecord, get, list, remove, replaceRecord, requireWriter } from '../../shared/crud/crud.ts';
import { conflict } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { parseWith } from '../../shared/http/request.ts';
import { userId } from '../../shared/schemas/common.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { userResource, userResourceKeepingOldEmail } from '../resources.ts';
import { putUserBody } from '../schemas/directory.ts';
import { USER_EMAIL_ITEM, USER_EMAIL_RELEASE } from '../store/users.ts';

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
      try {
        if (request.header('if-match') === undefined) return await createRecord(request, userResource, id, fields, fields);
        try {
          return await replaceRecord(request, userResource, id, fields);
        } catch (error) {
          if (!(error instanceof TransactionRefused && error.has(USER_EMAIL_RELEASE))) throw error;
          // Their old address is another user's (both predate unique addresses): leave it to them.
          return await replaceRecord(request, userResourceKeepingOldEmail, id, fields);
        }
      } catch (error) {
        // The address's index item is held by another user (store/users.ts): the write was refused whole.
        if (error instanceof TransactionRefused && error.has(USER_EMAIL_ITEM)) {
          const holder = error.item(USER_EMAIL_ITEM)?.userId;
          throw conflict('email-in-use', 'E-mail in use', `Another user has the e-mail '${fields.email}'`, holder === undefined ? {} : { user: holder });
        }
        throw error;
      }
    },
    'DELETE /users/{userId}': remove(userResource),
  }),
);
