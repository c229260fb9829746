import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface ShardPosition {
  /** The last record done (processed, skipped or dead-lettered). */
  sequenceNumber?: string;
  /** Read to its end (closed shards only). */
  finished?: boolean;
}

interface CheckpointFile {
  streamArn: string;
  consumers: Record<string, Record<string, ShardPosition>>;
}

/** Positions per consumer and shard, written through to a file (atomically) when one is given. */
export class Checkpoints {
  #data: CheckpointFile;

  constructor(
    private readonly file: string | undefined,
    streamArn: string,
  ) {
    this.#data = { streamArn, consumers: {} };
    if (file === undefined) return;
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile;
      // Another stream (the table was recreated) starts afresh.
      if (stored.streamArn === streamArn && stored.consumers !== null && typeof stored.consumers === 'object') this.#data = stored;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        console.error(
          JSON.stringify({ level: 'warn', message: 'stream checkpoints unreadable; reading the stream from its oldest record', file, error: String(error) }),
        );
      }
    }
  }

  get(consumer: string, shardId: string): ShardPosition | undefined {
    return this.#data.consumers[consumer]?.[shardId];
  }

  set(consumer: string, shardId: string, position: ShardPosition): void {
    const positions = this.#data.consumers[consumer] ?? {};
    positions[shardId] = position;
    this.#data.consumers[consumer] = positions;
    this.#write();
  }

  /** Forgets shards the stream no longer lists (trimmed after 24 hours). */
  prune(listed: ReadonlySet<string>): void {
    let changed = false;
    for (const shards of Object.values(this.#data.consumers)) {
      for (const shardId of Object.keys(shards)) {
        if (!listed.has(shardId)) {
          delete shards[shardId];
          changed = true;
        }
      }
    }
    if (changed) this.#write();
  }

  #write(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.#data, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}
