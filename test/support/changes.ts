import { expect } from 'vitest';
import type { Client } from './api.ts';
import { poll } from './poll.ts';

export { poll };

/** What the change API tests share: a planned window, a plan, polling, and the calls every journey makes. */

export const HOUR = 3_600_000;

/** A planned window starting `startInMs` from now (an hour ahead is 3.6 s at the tests' time scale). */
export const window = (startInMs: number, hours = 2) => ({
  plannedStart: new Date(Date.now() + startInMs).toISOString(),
  plannedEnd: new Date(Date.now() + startInMs + hours * HOUR).toISOString(),
});

export const plans = { implementationPlan: 'Roll the new version out node by node', backoutPlan: 'Roll back to the previous version' };

/** A normal change for service-desk, an hour ahead, with `body` on top. */
export async function createChange(client: Client, body: Record<string, unknown>) {
  const reply = await client.post('/changes', { type: 'normal', title: 'Upgrade', assignmentGroup: 'service-desk', ...plans, ...window(HOUR), ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; number: string; version: number };
}

export const readChange = async (client: Client, id: string) => (await client.get(`/changes/${id}`)).body as Record<string, any>;

export const changeStatusIs = (client: Client, id: string, status: string, timeoutMs?: number) =>
  poll(
    () => readChange(client, id),
    (c) => c.status === status,
    timeoutMs,
  );
