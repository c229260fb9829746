import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';
import { client } from '../support/api.ts';

/*
 * Timers that stall after a restart are what users of incumbents complain about. Here the stack
 * stops before an SLA timer is due and starts again after: the late timer fires at start, and the
 * breach is recorded at the instant the target was reached, not at the restart.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'itsm-sla-restart-'));
const options = {
  dynamoDbEndpoint: inject('dynamoDbEndpoint'),
  tableName: `restart-${randomUUID()}`,
  httpPort: 0,
  awsPort: 0,
  dataDir,
  seed: true,
  printPublished: false,
};
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const waitFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('SLA timers across a restart of the local runtime', () => {
  it('survive it, and a timer that came due while stopped fires at start', { timeout: 90_000 }, async () => {
    stack = await startLocalStack(options);
    const ada = client(stack.url, await stack.token('ada', ['admin']));
    const alice = client(stack.url, await stack.token('alice', ['agent']));
    expect((await ada.post('/services', { name: 'restart-demo', ownerGroup: 'service-desk', criticality: 'low' })).status).toBe(201);
    expect(
      (
        await ada.post('/sla-policies', {
          name: 'restart-demo',
          appliesTo: { service: 'restart-demo' },
          targets: { response: 'PT3S' },
          calendar: '24x7',
          warnings: [],
        })
      ).status,
    ).toBe(201);
    const created = (await alice.post('/incidents', { title: 'Queue stuck', service: 'restart-demo', assignmentGroup: 'service-desk' })).body;
    const running = stack;
    await waitFor(
      async () => running.schedules().filter((s) => s.name.startsWith(created.id)).length,
      (n) => n === 1,
    );
    // The same ports again, as `npm start` would use: handler modules keep their SDK clients.
    const awsPort = Number(new URL(stack.awsEndpoint).port);
    await stack.stop();
    stack = undefined;

    // Down past the due date: nothing can fire.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    stack = await startLocalStack({ ...options, awsPort });
    const again = client(stack.url, await stack.token('alice', ['agent']));
    // The view shows the breach live either way; the history shows the timer recorded it.
    const bySla = await waitFor(
      async () => (await again.get(`/incidents/${created.id}/history`)).body.items.filter((h: { actor: string }) => h.actor === 'sla'),
      (records) => records.length > 0,
    );
    expect(bySla[0].changes).toEqual(expect.arrayContaining([{ field: 'sla.response.breachedAt', from: null, to: created.sla.response.dueAt }]));
    const incident = (await again.get(`/incidents/${created.id}`)).body;
    expect(incident.sla.response).toMatchObject({ state: 'breached', thresholdsCrossed: [100], breachedAt: created.sla.response.dueAt });
    expect(stack.deadLetters()).toEqual([]);
  });
});
