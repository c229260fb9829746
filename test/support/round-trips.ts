import { expect } from 'vitest';
import { QUEUE_COUNT_WRITE, type RequestCounter, SEARCH_INDEX_READ } from '../../local/request-counter.ts';

/**
 * The DynamoDB requests one API call makes, grouped into round trips (requests in flight together
 * are one), each round's operations sorted. The stream consumers (the outbox publisher) read the
 * table too: they are let finish first. Every request is held 30 ms, as a network would, so that
 * concurrent requests are told from sequential ones. The call must succeed (status below 300).
 *
 * A Query of the search index's change log (SEARCH_INDEX_READ: the articles index brought up to
 * date for the `suggestedArticles` of POST /incidents and POST /requests) is left out before the
 * rounds are grouped. It is not a read of the call's records, and whether a call makes it at all
 * is the wall clock's: the in-memory index refreshes at most once a second per instance (once
 * after the snapshot's first S3 read), so an exact list of rounds could not hold it, and, started
 * after that S3 read, it can overlap two rounds and merge them. That it runs beside the create's
 * first round, adding none, is tested on its own (test/api/knowledge-suggestions.test.ts, with
 * `counter.rounds()` keeping it). The queue counting consumers' writes (QUEUE_COUNT_WRITE) are
 * left out too: they follow the call's write through the stream and are not the call's.
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
  return withoutPublisherReads(counter.rounds([SEARCH_INDEX_READ, QUEUE_COUNT_WRITE]).map((round) => round.sort()));
}

/**
 * The rounds without the outbox publisher's read of the record the call just wrote: the stream
 * poller may reach that record before the call's response is back, and the publisher then reads
 * which sinks took it (one BatchGetItem, notify/store/outbox-store.ts deliveredSinks). It comes
 * strictly after the write's transaction (the stream record exists only once it committed), so a
 * round of a lone BatchGetItem after the last transaction is the publisher's, not the call's.
 * A fresh-clone run failed on it once (incidents-list: `[['Query'], ['Query', 'TransactWriteItems'], ['BatchGetItem']]`).
 */
function withoutPublisherReads(rounds: string[][]): string[][] {
  const lastWrite = rounds.findLastIndex((round) => round.includes('TransactWriteItems'));
  if (lastWrite === -1) return rounds;
  const after = rounds.slice(lastWrite + 1).filter((round) => !(round.length === 1 && round[0] === 'BatchGetItem'));
  return [...rounds.slice(0, lastWrite + 1), ...after];
}
