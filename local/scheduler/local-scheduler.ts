import { createFirings, SCHEDULER_RETRY } from './firing.ts';
import { createSchedulerHandler } from './http.ts';
import { createScheduleOperations } from './operations.ts';
import { createScheduleStore } from './store.ts';
import { type LocalScheduler, type LocalSchedulerOptions, type ScheduleView, targetOf } from './types.ts';

/** Builds the local Scheduler from its parts: the store, the firings, the API operations and the HTTP handler. */
export function createLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(line));
  const store = createScheduleStore(options.stateFile, log);
  const firings = createFirings({ store, fire: options.fire, deadLetters: options.deadLetters, retry: options.retry ?? SCHEDULER_RETRY, log, now });
  const operations = createScheduleOperations(store, firings, now);

  return {
    handler: createSchedulerHandler(operations, store.load, log),

    schedules: () =>
      [...store.schedules.entries()].map(
        ([key, s]): ScheduleView => ({
          name: s.Name,
          groupName: s.GroupName,
          arn: s.Arn,
          expression: s.ScheduleExpression,
          timezone: s.ScheduleExpressionTimezone ?? 'UTC',
          state: s.State,
          fireAt: s.fireAt,
          actionAfterCompletion: s.ActionAfterCompletion,
          target: targetOf(s),
          status:
            s.completed !== undefined
              ? 'completed'
              : firings.firingGeneration(key) === s.generation
                ? 'firing'
                : s.State === 'DISABLED'
                  ? 'disabled'
                  : 'pending',
          ...(s.completed === undefined ? {} : { completed: s.completed }),
        }),
      ),

    async start() {
      await store.load();
      if (firings.isRunning()) return;
      firings.start();
      const due = [...store.schedules.values()].filter((s) => s.State === 'ENABLED' && s.completed === undefined && Date.parse(s.fireAt) <= now().getTime());
      if (due.length > 0) log(`[scheduler] ${due.length} schedule(s) came due while stopped; firing them now`);
      for (const key of store.schedules.keys()) firings.arm(key);
    },

    async stop() {
      firings.stop();
      await store.written();
    },
  };
}
