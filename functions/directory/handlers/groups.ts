import { create, get, list, remove, replace } from '../../shared/crud/crud.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { groupResource } from '../resources.ts';
import { createGroupBody, replaceGroupBody } from '../schemas/directory.ts';

export const handler = httpHandler(
  byRoute({
    'GET /groups': list(groupResource),
    'POST /groups': create(groupResource, createGroupBody),
    'GET /groups/{name}': get(groupResource),
    'PUT /groups/{name}': replace(groupResource, replaceGroupBody),
    'DELETE /groups/{name}': remove(groupResource),
  }),
);
