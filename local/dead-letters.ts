/**
 * Where the local runtime puts what AWS would put in a dead-letter queue (the ingestion queue's
 * DLQ) or an on-failure destination (the stream consumers' failure queues): deliveries given up
 * on after their retries. Each one is printed as one JSON line when it arrives, and the recent ones
 * are listed at GET /local/dead-letters on the local AWS endpoint.
 */
export interface DeadLetter {
  /** When it was given up on (ISO). */
  readonly at: string;
  readonly functionId: string;
  /** The kind of event source (functions/routes.ts ConsumerSource), or the local Scheduler firing a target. */
  readonly source: 'ingestionQueue' | 'tableStream' | 'scheduler';
  /** Why: AWS's condition names (`RetryAttemptsExhausted`, `MaxReceiveCountExceeded`). */
  readonly condition: string;
  readonly attempts: number;
  /** The last error the function threw, if it threw rather than reporting the item. */
  readonly error?: string;
  /** The message or stream record itself, as the function received it. */
  readonly record: unknown;
  readonly [more: string]: unknown;
}

export class DeadLetters {
  readonly #entries: DeadLetter[] = [];

  constructor(
    /** Keeps the most recent ones only, so a long `npm start` does not grow without bound. */
    private readonly capacity = 1000,
    private readonly print: (line: string) => void = (line) => console.error(line),
  ) {}

  add(entry: DeadLetter): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity);
    this.print(JSON.stringify({ level: 'error', message: 'dead letter: delivery given up after retries', time: entry.at, ...entry }));
  }

  list(): DeadLetter[] {
    return [...this.#entries];
  }
}
