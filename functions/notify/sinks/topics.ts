import { publish } from '../../shared/aws/sns.ts';
import type { OutboxRecord, Topic } from '../../shared/domain/outbox.ts';
import { requireEnv } from '../../shared/env.ts';

const TOPICS: Readonly<Record<Topic, string>> = {
  notifications: requireEnv('NOTIFICATION_TOPIC_ARN'),
  majorIncident: requireEnv('MAJOR_INCIDENT_TOPIC_ARN'),
};

/**
 * One SNS message per record. The attributes carry what subscribers filter on (eventType,
 * priority, assignmentGroup, service); the body is JSON: the text to show, who should hear it,
 * and the event's detail for anything richer.
 */
export async function publishNotification(record: OutboxRecord): Promise<void> {
  const { notification, detail } = record;
  await publish({
    TopicArn: TOPICS[notification.topic],
    Subject: notification.subject,
    Message: JSON.stringify({ text: notification.text, recipients: notification.recipients, ...detail }),
    MessageAttributes: Object.fromEntries(Object.entries(notification.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])),
  });
}
