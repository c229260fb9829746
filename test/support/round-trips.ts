import { expect } from 'vitest';
import type { RequestCounter } from '../../local/request-counter.ts';

/**
 * The DynamoDB requests one API call makes, grouped into round trips (requests in flight together
 * are one), each round's operations sorted. The stream consumers (the outbox publisher) read the
 * table too: they are let finish first. Every request is held 30 ms, as a network would, so that
 * concurrent requests are told from sequential ones. The call must succeed (status below 300).
 */
export async function roundTripsOf(
  stack: { settled(): Promise<void> },
  counter: RequestCounter,
  run: () => Promise<{ status: number; body?: unknown }>,
): Promise<string[][]> {
  await stack.settled();
  counter.reset();
  counter.setLatency(30);
  try {
    const reply = await run();
    expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
  } finally {
    counter.setLatency(0);
  }
  return counter.rounds().map((round) => round.sort());
}
