import { CONSUMERS } from '../../functions/routes.ts';
import { type CompiledPattern, compileEventPattern } from '../event-pattern.ts';
import type { StreamConsumer } from './types.ts';

/** The table stream's consumers: the `tableStream` ones of CONSUMERS, and the filter each applies. */

export function tableStreamConsumers(): StreamConsumer[] {
  return CONSUMERS.flatMap((consumer) =>
    consumer.source.kind === 'tableStream' ? [{ functionId: consumer.functionId, filter: consumer.source.filter, batchSize: consumer.source.batchSize }] : [],
  );
}

/** The consumer's filter pattern as a test on Lambda's record; none passes every record. */
export function recordFilterOf(consumer: StreamConsumer): CompiledPattern {
  return consumer.filter === undefined ? () => true : (compileEventPattern(consumer.filter) as CompiledPattern);
}
