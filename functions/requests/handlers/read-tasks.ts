import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { listTotal } from '../../shared/http/list-total.ts';
import { TASK_COUNTS } from '../counts.ts';
import { listTasksQuery } from '../schemas/task.ts';
import { listTasks } from '../store/task-store.ts';
import { assertTaskAgent, loadTask, presentTask, taskResponse } from '../task-access.ts';

/*
 * GET /tasks and GET /tasks/{id}, for agents. A list is ONE Query (task-store.ts listTasks): a
 * group's queue in a status is one begins_with on gsi2. A task by id is one GetItem, by number one
 * index Query. `count=true` reads the counters beside the list's Query.
 */
export const handler = httpHandler(
  byRoute({
    'GET /tasks': async (request) => {
      const principal = request.principal;
      assertTaskAgent(principal);
      const { limit, cursor, count, assignee, ...filters } = request.query(listTasksQuery);
      const named = { ...filters, ...(assignee === undefined ? {} : { assignee: assignee === 'me' ? principal.userId : assignee }) };
      const [page, total] = await Promise.all([listTasks(named, limit, cursor), listTotal(count, TASK_COUNTS, named)]);
      const now = new Date();
      return { status: 200, body: { ...page, ...total, items: page.items.map((task) => presentTask(task, now)) } };
    },
    'GET /tasks/{id}': async (request) => {
      const id = request.pathParam('id');
      assertTaskAgent(request.principal, `Task ${id}`);
      return taskResponse(200, await loadTask(id));
    },
  }),
);
