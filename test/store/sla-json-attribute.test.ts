import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import type { FulfilmentTask } from '../../functions/requests/domain/task.ts';
import { startClock } from '../../functions/sla/domain/clock.ts';
import type { Calendar, IncidentSla, SlaPolicy } from '../../functions/sla/domain/types.ts';
import { freshTable } from '../support/table.ts';

/*
 * Incidents and tasks keep their SLA clocks in one string attribute of JSON text (issue 17: a list
 * reads 20 of them at a time, and DynamoDB Local's Query and the unmarshalling cost per nested
 * attribute). Written as text, read back as the same clocks; an item written before, with the
 * clocks as a map, reads the same until its next write turns it into text.
 */

const table = await freshTable();
const incidents = await import('../../functions/incidents/store/incident-store.ts');
const tasks = await import('../../functions/requests/store/task-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
afterAll(() => table.stop());

const calendar: Calendar = {
  name: 'business-hours',
  description: 'Monday to Friday',
  timeZone: 'Europe/Berlin',
  workingHours: { mon: [{ start: '09:00', end: '17:00' }], fri: [{ start: '09:00', end: '12:00' }] },
  holidays: [{ date: '2026-12-25', name: 'Christmas' }],
};
const policy: SlaPolicy = {
  name: 'p2',
  calendar: 'business-hours',
  appliesTo: {},
  targets: { response: 'PT1H', resolution: 'PT8H' },
  warnings: [50, 75],
  pauseOn: ['on_hold'],
} as unknown as SlaPolicy;
const at = new Date('2026-12-07T10:00:00.000Z');
const clocks = (): IncidentSla => ({
  response: startClock({ policy, calendar, clock: 'response', at }),
  resolution: startClock({ policy, calendar, clock: 'resolution', at }),
});

async function storedItem(pk: string): Promise<Record<string, unknown>> {
  const [item] = (await table.partition(pk)).filter((candidate) => candidate.sk === 'INCIDENT' || candidate.sk === 'TASK');
  if (item === undefined) throw new Error(`nothing stored under ${pk}`);
  return item;
}

/** The item as an earlier version wrote it: the clocks as a map. */
async function rewriteWithMap(item: Record<string, unknown>): Promise<void> {
  await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...item, sla: JSON.parse(item.sla as string) } }));
}

describe('SLA clocks stored as JSON text', () => {
  it('an incident: written as text, read back whole, by id and in a list; a map from before reads the same', async () => {
    const settings = await incidents.allocateIncidentNumber();
    const opened = openIncident(
      { title: 'Mail is down', service: 'email' },
      { id: incidents.newId(), sequence: settings.sequence, actor: { userId: 'alice' }, now: at, matrix: settings.matrix },
    );
    const incident: Incident = { ...opened, sla: clocks() };
    await transactWrite([incidents.incidentCreate(incident)]);

    const item = await storedItem(`INCIDENT#${incident.id}`);
    expect(typeof item.sla).toBe('string');
    expect((await incidents.getIncidentById(incident.id))?.sla).toEqual(incident.sla);
    const listed = (await incidents.listIncidents({ status: ['new'] }, 20)).items.find((candidate) => candidate.id === incident.id);
    expect(listed?.sla).toEqual(incident.sla);

    await rewriteWithMap(item);
    expect(typeof (await storedItem(`INCIDENT#${incident.id}`)).sla).toBe('object');
    expect((await incidents.getIncidentById(incident.id))?.sla).toEqual(incident.sla);
    expect((await incidents.listIncidents({ status: ['new'] }, 20)).items.find((candidate) => candidate.id === incident.id)?.sla).toEqual(incident.sla);
  });

  it('a task: the same', async () => {
    const [number] = await tasks.takeTaskNumbers(1);
    const task: FulfilmentTask = {
      id: '01TASKSLAJSONTEXT000000000',
      number: number as string,
      requestId: '01REQUESTSLAJSONTEXT000000',
      requestNumber: 'REQ0000001',
      order: 1,
      name: 'Reset the password',
      assignmentGroup: 'service-desk',
      status: 'open',
      sla: clocks(),
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      openedAt: at.toISOString(),
      version: 1,
    } as FulfilmentTask;
    await transactWrite([tasks.taskCreate(task)]);

    const item = await storedItem(`TASK#${task.id}`);
    expect(typeof item.sla).toBe('string');
    expect((await tasks.getTask(task.id))?.sla).toEqual(task.sla);
    expect((await tasks.listTasks({ assignmentGroup: 'service-desk', status: 'open' }, 20)).items.find((candidate) => candidate.id === task.id)?.sla).toEqual(
      task.sla,
    );

    await rewriteWithMap(item);
    expect(typeof (await storedItem(`TASK#${task.id}`)).sla).toBe('object');
    expect((await tasks.getTask(task.id))?.sla).toEqual(task.sla);
  });
});
