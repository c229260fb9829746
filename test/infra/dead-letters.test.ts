import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../functions/routes.ts';
import { DEAD_LETTER_QUEUES, type DeadLetterQueue, INGESTION_QUEUE_URL_OUTPUT } from '../../infra/constructs/dead-letter-replay.ts';
import { resourcesOfType, synthesize, type SynthesizedApp } from './helpers.ts';

/**
 * Every place a delivery is given up on is an SQS queue that keeps its messages 14 days (the SQS
 * maximum, 1,209,600 s), and the stack outputs locate each one and what it replays into, under
 * the names `npm run replay-dead-letters` reads.
 */

const FOURTEEN_DAYS_IN_SECONDS = 1_209_600;

let synth: SynthesizedApp;
beforeAll(() => {
  synth = synthesize();
});
afterAll(() => synth?.cleanup());

type Json = Record<string, unknown>;
const ref = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};

/** The logical ids of every queue something gives up into, found from what names them. */
function deadLetterQueueIds(resources: Record<string, Json>): Set<string> {
  const ids = new Set<string>();
  for (const resource of Object.values(resources)) {
    const properties = (resource.Properties ?? {}) as Json;
    switch (resource.Type) {
      case 'AWS::SQS::Queue': {
        const target = ref((properties.RedrivePolicy as Json | undefined)?.deadLetterTargetArn);
        if (target !== undefined) ids.add(target);
        break;
      }
      case 'AWS::Events::Rule':
        for (const target of (properties.Targets ?? []) as Json[]) {
          const id = ref((target.DeadLetterConfig as Json | undefined)?.Arn);
          if (id !== undefined) ids.add(id);
        }
        break;
      case 'AWS::Lambda::EventSourceMapping': {
        const id = ref(((properties.DestinationConfig as Json | undefined)?.OnFailure as Json | undefined)?.Destination);
        if (id !== undefined) ids.add(id);
        break;
      }
    }
  }
  return ids;
}

describe('dead-letter queues', () => {
  it('every queue that a rule, a queue or a stream gives up into, and the SLA timers\' queue, keeps messages 14 days', () => {
    const resources = synth.apiTemplate.toJSON().Resources as Record<string, Json>;
    const ids = deadLetterQueueIds(resources);
    const timerQueue = synth.api.getLogicalId(synth.api.slaTimers.deadLetterQueue.node.defaultChild as never);
    ids.add(timerQueue);
    // Two ingestion queues, one per stream consumer, one for timers.
    const streamConsumers = CONSUMERS.filter((c) => c.source.kind === 'tableStream').length;
    expect(ids.size).toBe(3 + streamConsumers);
    for (const id of ids) {
      expect(resources[id]?.Type, id).toBe('AWS::SQS::Queue');
      expect((resources[id]?.Properties as Json).MessageRetentionPeriod, id).toBe(FOURTEEN_DAYS_IN_SECONDS);
    }
  });

  it('the stack outputs name every dead-letter queue and its replay target, and each output is the right resource', () => {
    const outputs = synth.apiTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    const resources = synth.apiTemplate.toJSON().Resources as Record<string, Json>;
    const dlqIds = deadLetterQueueIds(resources);
    const all: DeadLetterQueue[] = Object.values(DEAD_LETTER_QUEUES).flat();
    for (const queue of all) {
      const id = ref(outputs[queue.queueUrlOutput]?.Value);
      expect(id, queue.queueUrlOutput).toBeDefined();
      expect(resources[id as string]?.Type).toBe('AWS::SQS::Queue');
      if (queue.queueUrlOutput !== 'SlaTimerDeadLetterQueueUrl') expect(dlqIds.has(id as string), queue.queueUrlOutput).toBe(true);
      const replay = queue.replay;
      const target =
        replay.kind === 'sendToQueue' ? replay.queueUrlOutput : replay.kind === 'tableStream' ? replay.functionNameOutput : replay.stateMachineArnOutput;
      expect(outputs[target], target).toBeDefined();
    }
    // Every stream consumer has its failure queue in the replay plan.
    const planned = all.flatMap((q) => (q.replay.kind === 'tableStream' ? [q.replay.functionId] : []));
    expect(planned.sort()).toEqual(CONSUMERS.filter((c) => c.source.kind === 'tableStream').map((c) => c.functionId).sort());
    // The ingestion queue output is the queue whose redrive policy names the ingestion DLQ.
    const ingestionQueue = resources[ref(outputs[INGESTION_QUEUE_URL_OUTPUT]?.Value) as string];
    expect(ref(((ingestionQueue?.Properties as Json).RedrivePolicy as Json).deadLetterTargetArn)).toBe(ref(outputs.IngestionDeadLetterQueueUrl?.Value));
    expect(Object.keys(resourcesOfType(synth.apiTemplate, 'AWS::SQS::Queue')).length).toBe(dlqIds.size + 2);
  });
});
