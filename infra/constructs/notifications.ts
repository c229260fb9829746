import { type CfnTopic, SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { NotificationFilter, NotificationsConfig } from '../config.ts';

/** The AWS managed key of SNS: encryption at rest without a key to pay for or a key policy to keep. */
export const SNS_MANAGED_KEY_ALIAS = 'alias/aws/sns';

/**
 * The two topics the outbox publisher sends notifications to:
 *
 * - `notifications`: every notification (SLA warnings and breaches, escalations, incident
 *   changes). Each message carries the attributes eventType, priority, assignmentGroup and
 *   service, so a subscriber (a mail address here, or a chat bridge, a pager, a ticket mirror
 *   subscribed outside this app) takes only what its filter policy matches.
 * - `majorIncident`: breaches of major incidents (P1), for stakeholders who want nothing else.
 *
 * Both are encrypted at rest with the AWS managed key aws/sns, and refuse requests without TLS.
 * The managed key's policy lets any principal of this account use it through SNS, so a publisher
 * needs sns:Publish on the topic and no KMS statement of its own. The trade-off, on purpose: no
 * AWS service can publish to these topics itself (CloudWatch alarms, EventBridge rules, S3 events:
 * service principals cannot be granted the managed key), which is why the alarm topic stays
 * unencrypted (alarms.ts). Notifications come from the publisher function only.
 */
export class Notifications extends Construct {
  readonly topic: Topic;
  readonly majorIncidentTopic: Topic;

  constructor(scope: Construct, id: string, config: NotificationsConfig) {
    super(scope, id);

    this.topic = encryptedTopic(this, 'Topic', 'Open ITSM notifications');
    this.majorIncidentTopic = encryptedTopic(this, 'MajorIncidentTopic', 'Open ITSM major incidents');

    // Each address must confirm its subscription (SNS mails a link) before anything is delivered.
    for (const { address, filter } of config.emails) {
      // Without a filter, no FilterPolicy property at all rather than an empty one: every message.
      const policy = Object.keys(filter).length > 0 ? { filterPolicy: filterPolicy(filter) } : {};
      this.topic.addSubscription(new EmailSubscription(address, policy));
    }
    for (const address of config.majorIncidentEmails) {
      this.majorIncidentTopic.addSubscription(new EmailSubscription(address));
    }
  }
}

function encryptedTopic(scope: Construct, id: string, displayName: string): Topic {
  const topic = new Topic(scope, id, { displayName, enforceSSL: true });
  // Set on the CloudFormation resource, as the alias name SNS documents, rather than through the
  // L2's `masterKey`: that would render an alias ARN and let grantPublish add a KMS statement on
  // every key of the account (kms:ResourceAliases condition) that the managed key does not need.
  (topic.node.defaultChild as CfnTopic).kmsMasterKeyId = SNS_MANAGED_KEY_ALIAS;
  return topic;
}

/** A message-attribute filter policy (the default scope): every given attribute must match one of its values. */
export function filterPolicy(filter: NotificationFilter): Record<string, SubscriptionFilter> {
  return Object.fromEntries(Object.entries(filter).map(([attribute, values]) => [attribute, SubscriptionFilter.stringFilter({ allowlist: [...values] })]));
}
