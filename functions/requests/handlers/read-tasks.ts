import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { listTasksQuery } from '../schemas/task.ts';
import { listTasks } from '../store/task-store.ts';
import { assertTaskAgent, loadTask, presentTask, taskResponse } from '../task-access.ts';

/*
 * GET /tasks and GET /tasks/{id}, for agents. A list is ONE Query (task-store.ts listTasks): a
 * group's queue in a status is one begins_with on gsi2. A task by id is one GetItem, by number one
 * index Query.
 */
export const handler = httpHandler(
  byRoute({
    'GET /tasks': async (request) => {
      const principal = request.principal;
      assertTaskAgent(principal);
      const { limit, cursor, assignee, ...filters } = request.query(listTasksQuery);
      const page = await listTasks(
        { ...filters, ...(assignee === undefined ? {} : { assignee: assignee === 'me' ? principal.userId : assignee }) },
        limit,
        cursor,
      );
      const now = new Date();
      return { status: 200, body: { ...page, items: page.items.map((task) => presentTask(task, now)) } };
    },
    'GET /tasks/{id}': async (request) => {
      const id = request.pathParam('id');
      assertTaskAgent(request.principal, `Task ${id}`);
      return taskResponse(200, await loadTask(id));
    },
  }),
);
