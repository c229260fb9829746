import { describe, expect, it } from 'vitest';
import { planFormFields } from '../../functions/requests/domain/answers.ts';
import { formFields } from '../../functions/requests/domain/form.ts';
import type { RequestTaskSummary } from '../../functions/requests/domain/request.ts';
import type { FulfilmentTask } from '../../functions/requests/domain/task.ts';
import {
  applyTaskPatch,
  fillTaskTemplate,
  fulfilmentProgress,
  openPendingTask,
  TaskRuleError,
  taskChanges,
  taskSummary,
} from '../../functions/requests/domain/task-rules.ts';
import { evolveTaskClocks, startTaskClocks, taskPolicy, taskSlaView } from '../../functions/requests/domain/task-sla.ts';
import { SEEDED_CATALOG } from '../../functions/requests/seed-catalog.ts';
import type { SlaConfig, SlaPolicy } from '../../functions/sla/domain/types.ts';

const T0 = new Date('2026-03-02T10:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const policy = (name: string, appliesTo: SlaPolicy['appliesTo'], response: string, resolution: string): SlaPolicy => ({
  name,
  appliesTo,
  targets: { response, resolution },
  calendar: '24x7',
  pauseOn: ['on_hold'],
  warnings: [50, 75],
});
const config: SlaConfig = {
  calendars: [{ name: '24x7', timeZone: 'UTC' }],
  policies: [
    policy('p1', { priority: ['P1'] }, 'PT15M', 'PT4H'),
    policy('p4', { priority: ['P4'] }, 'PT8H', 'PT40H'),
    policy('requests', { priority: ['P4'], category: 'request' }, 'PT1H', 'PT24H'),
    policy('laptops', { category: 'hardware' }, 'PT2H', 'PT72H'),
  ],
};

const task = (overrides: Partial<FulfilmentTask> = {}): FulfilmentTask => ({
  id: 'T1',
  number: 'TASK0000001',
  requestId: 'R1',
  requestNumber: 'REQ0000001',
  order: 0,
  name: 'Ship the laptop',
  description: 'Ship it',
  assignmentGroup: 'hardware',
  status: 'open',
  sla: startTaskClocks(config, undefined, T0),
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  openedAt: T0.toISOString(),
  version: 1,
  ...overrides,
});

const ruleCode = (work: () => unknown): string | undefined => {
  try {
    work();
  } catch (error) {
    if (error instanceof TaskRuleError) return error.code;
    throw error;
  }
  return undefined;
};

describe('task rules', () => {
  it('working a task nobody holds makes it the actor’s', () => {
    const next = applyTaskPatch(task(), { status: 'work_in_progress' }, 'alice', later(60));
    expect(next).toMatchObject({ status: 'work_in_progress', assignee: 'alice', version: 2 });
    expect(taskChanges(task(), next).map((c) => c.field)).toEqual(['status', 'assignee']);
  });

  it('an assignee alone takes the task and keeps it open', () => {
    const next = applyTaskPatch(task(), { assignee: 'bob' }, 'alice', later(60));
    expect(next).toMatchObject({ status: 'open', assignee: 'bob' });
  });

  it('handing back clears the assignee', () => {
    const working = task({ status: 'work_in_progress', assignee: 'alice' });
    const next = applyTaskPatch(working, { status: 'open' }, 'alice', later(60));
    expect(next.status).toBe('open');
    expect(next.assignee).toBeUndefined();
  });

  it('closes complete or incomplete; incomplete needs closeNotes', () => {
    const done = applyTaskPatch(task(), { status: 'closed_complete' }, 'alice', later(60));
    expect(done).toMatchObject({ status: 'closed_complete', assignee: 'alice', closedAt: later(60).toISOString() });
    expect(ruleCode(() => applyTaskPatch(task(), { status: 'closed_incomplete' }, 'alice', later(60)))).toBe('close-notes-required');
    const incomplete = applyTaskPatch(task(), { status: 'closed_incomplete', closeNotes: 'Out of stock' }, 'alice', later(60));
    expect(incomplete).toMatchObject({ status: 'closed_incomplete', closeNotes: 'Out of stock' });
    expect(ruleCode(() => applyTaskPatch(task(), { closeNotes: 'early' }, 'alice', later(60)))).toBe('nothing-to-close');
  });

  it('a pending task cannot be worked and a closed task is final', () => {
    expect(ruleCode(() => applyTaskPatch(task({ status: 'pending' }), { status: 'work_in_progress' }, 'a', T0))).toBe('task-pending');
    expect(ruleCode(() => applyTaskPatch(task({ status: 'pending' }), { assignee: 'a' }, 'a', T0))).toBe('task-pending');
    for (const status of ['closed_complete', 'closed_incomplete'] as const) {
      expect(ruleCode(() => applyTaskPatch(task({ status }), { status: 'open' }, 'a', T0))).toBe('task-closed');
      expect(ruleCode(() => applyTaskPatch(task({ status }), { assignee: 'b' }, 'a', T0))).toBe('task-closed');
    }
  });

  it('opens a pending task', () => {
    const opened = openPendingTask(task({ status: 'pending', openedAt: undefined }), later(5));
    expect(opened).toMatchObject({ status: 'open', openedAt: later(5).toISOString(), version: 2 });
    expect(() => openPendingTask(task(), T0)).toThrow();
  });

  it('fills the description template, answers by field and all under their titles', () => {
    const text = fillTaskTemplate('{{number}} for {{requester}}: {{item}}, model {{answers.model}}, {{answers.missing}}|{{unknown}}\n{{answers}}', {
      number: 'REQ0000007',
      requester: 'carol',
      item: 'New laptop',
      answers: { model: 'ThinkPad X1', extras: ['dock', 'mouse'] },
      fields: [
        { name: 'model', title: 'Model' },
        { name: 'extras', title: 'Extras' },
      ],
    });
    expect(text).toBe('REQ0000007 for carol: New laptop, model ThinkPad X1, |{{unknown}}\nModel: ThinkPad X1\nExtras: dock, mouse');
  });

  it('shows a choice by its label and lists the answers in the form’s order, whatever order they were stored in', () => {
    const laptop = SEEDED_CATALOG.find((item) => item.id === 'new-laptop');
    if (laptop === undefined) throw new Error('new-laptop is seeded');
    const fields = formFields(laptop.form);
    // Stored answers come back in any order (a DynamoDB map keeps none): the form's order wins.
    const answers = { replacesAssetTag: 'NL-12345', deliveryAddress: '1 Main Street', keyboardLayout: 'US', model: 'macbook-pro-14' };
    const values = { number: 'REQ0000008', requester: 'carol', item: 'New laptop', answers, fields };
    expect(fillTaskTemplate(laptop.fulfilment.tasks[0]?.description ?? '', values)).toBe('Order a MacBook Pro 14 (US keyboard) for carol, request REQ0000008.');
    expect(fillTaskTemplate('{{answers}}', values)).toBe(
      'Model: MacBook Pro 14\nKeyboard layout: US\nDelivery address: 1 Main Street\nReplaces asset tag: NL-12345',
    );
    // A request made before plans kept the fields: titles only, values as given.
    expect(fillTaskTemplate('{{answers.model}}', { ...values, fields: planFormFields({ formTitles: { model: 'Model' } }) })).toBe('macbook-pro-14');
  });

  it('a missing optional answer leaves no hole: a section shows only for an answered field, a default stands in for a missing one', () => {
    const access = SEEDED_CATALOG.find((item) => item.id === 'application-access');
    if (access === undefined) throw new Error('application-access is seeded');
    const values = (answers: Record<string, unknown>) => ({
      number: 'REQ0000009',
      requester: 'carol',
      item: access.name,
      answers,
      fields: formFields(access.form),
    });
    const grant = access.fulfilment.tasks[0]?.description ?? '';
    expect(fillTaskTemplate(grant, values({ application: 'Jira', accessLevel: 'write' }))).toBe('Grant carol access to Jira (Read and write) (REQ0000009).');
    expect(fillTaskTemplate(grant, values({ application: 'Jira', accessLevel: 'admin', endDate: '2027-06-30' }))).toBe(
      'Grant carol access to Jira (Administrator) until 2027-06-30 (REQ0000009).',
    );
    const template =
      'Until {{answers.endDate|no end date}}{{#answers.note}}, note: {{answers.note}}{{#answers.endDate}} (ends {{answers.endDate}}){{/answers.endDate}}{{/answers.note}}.';
    expect(fillTaskTemplate(template, values({}))).toBe('Until no end date.');
    expect(fillTaskTemplate(template, values({ note: '', endDate: '2027-01-01' }))).toBe('Until 2027-01-01.');
    expect(fillTaskTemplate(template, values({ note: 'urgent' }))).toBe('Until no end date, note: urgent.');
    expect(fillTaskTemplate(template, values({ note: 'urgent', endDate: '2027-01-01' }))).toBe('Until 2027-01-01, note: urgent (ends 2027-01-01).');
    // Every seeded template, filled with only the required answers, has no empty parentheses or doubled spaces.
    for (const item of SEEDED_CATALOG) {
      for (const task of item.fulfilment.tasks) {
        const required = new Set((item.form.required as string[] | undefined) ?? []);
        const answers = Object.fromEntries([...required].map((field) => [field, 'x']));
        const text = fillTaskTemplate(task.description, { number: 'REQ0000010', requester: 'carol', item: item.name, answers });
        expect(text, `${item.id}: ${task.name}`).not.toMatch(/\(\)|\s{2}|\s$| \./);
      }
    }
  });
});

describe('fulfilment progress', () => {
  const summaries = (statuses: FulfilmentTask['status'][]): RequestTaskSummary[] =>
    statuses.map((status, i) => ({ id: `T${i}`, number: `TASK000000${i}`, name: `t${i}`, status, assignmentGroup: 'g' }));
  const closed = (i: number, status: FulfilmentTask['status'] = 'closed_complete') => task({ id: `T${i}`, number: `TASK000000${i}`, status });

  it('sequential: closing a task opens the next pending one', () => {
    const progress = fulfilmentProgress(summaries(['open', 'pending', 'pending']), closed(0), 'sequential');
    expect(progress.openNext).toBe('T1');
    expect(progress.summaries.map((s) => s.status)).toEqual(['closed_complete', 'open', 'pending']);
    expect(progress.outcome).toBeUndefined();
  });

  it('parallel: nothing opens; the last close fulfils the request', () => {
    const first = fulfilmentProgress(summaries(['open', 'work_in_progress']), closed(0), 'parallel');
    expect(first.openNext).toBeUndefined();
    expect(first.outcome).toBeUndefined();
    const last = fulfilmentProgress(first.summaries, closed(1), 'parallel');
    expect(last.outcome).toBe('fulfilled');
  });

  it('any incomplete task makes the request closed_incomplete', () => {
    const progress = fulfilmentProgress(summaries(['closed_incomplete', 'open']), closed(1), 'parallel');
    expect(progress.outcome).toBe('closed_incomplete');
  });

  it('a change that does not close carries the new status only', () => {
    const progress = fulfilmentProgress(
      summaries(['open', 'pending']),
      task({ id: 'T0', number: 'TASK0000000', name: 't0', assignmentGroup: 'g', status: 'work_in_progress' }),
      'sequential',
    );
    expect(progress).toEqual({ summaries: summaries(['work_in_progress', 'pending']) });
    expect(taskSummary(task())).toEqual({ id: 'T1', number: 'TASK0000001', name: 'Ship the laptop', status: 'open', assignmentGroup: 'hardware' });
  });
});

describe('task SLA clocks', () => {
  it('run under the P4 `request` policy unless the item names one', () => {
    expect(taskPolicy(config, undefined, 'response')?.name).toBe('requests');
    expect(taskPolicy(config, 'laptops', 'resolution')?.name).toBe('laptops');
    // A policy that no longer exists falls back to selection.
    expect(taskPolicy(config, 'gone', 'response')?.name).toBe('requests');
    const sla = startTaskClocks(config, 'laptops', T0);
    expect(sla?.response).toMatchObject({ policy: 'laptops', target: 'PT2H', status: 'running', startedAt: T0.toISOString() });
    expect(startTaskClocks({ calendars: config.calendars, policies: [] }, undefined, T0)).toBeUndefined();
  });

  it('response stops when taken, resolution when closed', () => {
    const open = task();
    const taken = applyTaskPatch(open, { assignee: 'bob' }, 'bob', later(600));
    const takenSla = evolveTaskClocks(open, taken, later(600));
    expect(takenSla?.response).toMatchObject({ status: 'stopped', elapsedSeconds: 600 });
    expect(takenSla?.resolution?.status).toBe('running');
    const working = { ...taken, sla: takenSla };
    const done = applyTaskPatch(working, { status: 'closed_complete' }, 'bob', later(1200));
    const doneSla = evolveTaskClocks(working, done, later(1200));
    expect(doneSla?.response).toEqual(takenSla?.response);
    expect(doneSla?.resolution).toMatchObject({ status: 'stopped', elapsedSeconds: 1200 });
    const view = taskSlaView(doneSla, later(999_999));
    expect(view.response?.state).toBe('met');
    expect(view.resolution?.state).toBe('met');
  });

  it('closing an untaken task stops both clocks', () => {
    const open = task();
    const done = applyTaskPatch(open, { status: 'closed_complete' }, 'bob', later(30));
    const sla = evolveTaskClocks(open, done, later(30));
    expect(sla?.response?.status).toBe('stopped');
    expect(sla?.resolution?.status).toBe('stopped');
  });

  it('shows a breach at read time, with dueAt', () => {
    const view = taskSlaView(task().sla, later(2 * 3600));
    expect(view.response).toMatchObject({ state: 'breached', dueAt: later(3600).toISOString(), breachedAt: later(3600).toISOString() });
    expect(view.resolution).toMatchObject({ state: 'running', dueAt: later(24 * 3600).toISOString() });
  });
});
