import { create, get, list, remove, replace } from '../../shared/crud/crud.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { serviceResource } from '../resources.ts';
import { createServiceBody, replaceServiceBody } from '../schemas/directory.ts';

export const handler = httpHandler(
  byRoute({
    'GET /services': list(serviceResource),
    'POST /services': create(serviceResource, createServiceBody),
    'GET /services/{name}': get(serviceResource),
    'PUT /services/{name}': replace(serviceResource, replaceServiceBody),
    'DELETE /services/{name}': remove(serviceResource),
  }),
);
