/**
 * The notify area (the outbox publisher), as the registry (functions/areas.ts) assembles it. It
 * publishes what the other areas commit to their outboxes; the event types are theirs, so it
 * declares none. Its API description (the published event and notification schemas) is ./api.ts.
 */
import { defineArea } from '../shared/area.ts';

export default defineArea({
  name: 'notify',
  functions: {
    publishOutbox: {
      entry: 'functions/notify/handlers/publish-outbox.ts',
      description: 'Publishes committed outbox records: domain events, SNS notifications, SLA timers (table stream)',
      tableAccess: 'readWrite',
      timeoutSeconds: 60,
      capabilities: ['publishEvents', 'publishNotifications', 'manageSlaTimers'],
    },
  },
  consumers: [
    {
      functionId: 'publishOutbox',
      source: {
        kind: 'tableStream',
        filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['outbox'] } } } },
        batchSize: 100,
        replay: { group: 'outbox', what: 'outbox records the publisher gave up on (events, notifications, SLA timers)' },
      },
    },
  ],
  api: () => import('./api.ts'),
});
