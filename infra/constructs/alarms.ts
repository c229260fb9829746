import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** Subscribed to the topic when given. */
  readonly email: string | undefined;
}

const PERIOD = Duration.minutes(5);

/**
 * Alarms that page on server-side failures: any Lambda error and any 5xx answered by the API.
 * A handler maps expected failures to 4xx responses, so an Errors datapoint or a 5xx is a bug or
 * an outage, never a user mistake; one is enough to alarm.
 *
 * The topic and the alarms exist even without `alarmEmail`: the alarm state shows in the console,
 * and the topic (output AlarmTopicArn) can be subscribed to by chat, paging or ticketing tools
 * outside this app without redeploying it.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    // No KMS encryption: CloudWatch alarms cannot publish to a topic encrypted with the AWS
    // managed key (its key policy cannot grant cloudwatch.amazonaws.com), and alarm messages name
    // metrics, not ticket data. Publishing still requires TLS.
    this.topic = new Topic(this, 'Topic', { displayName: 'Open ITSM alarms', enforceSSL: true });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
  }

  watchFunction(id: string, fn: IFunction): Alarm {
    return this.alarm(`${id}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), `Lambda ${id} threw or timed out`);
  }

  watchApi(api: IHttpApi): Alarm {
    return this.alarm('Api5xx', api.metricServerError({ period: PERIOD, statistic: 'Sum' }), 'The HTTP API answered 5xx');
  }

  private alarm(id: string, metric: ReturnType<IFunction['metricErrors']>, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: `${description} at least once in ${PERIOD.toMinutes()} minutes`,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No traffic is not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}
