import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export type AlarmsProps =
  | {
      /** Subscribed to the topic when given. */
      readonly email: string | undefined;
    }
  | {
      /** Another stack's alarm topic (the API stack's): an area stack's alarms page where all others do. */
      readonly topic: ITopic;
    };

const PERIOD = Duration.minutes(5);

/**
 * Alarms that page on server-side failures: any Lambda error, any 5xx answered by the API, any
 * message in a dead-letter queue, any failed or timed-out workflow execution, and any lost
 * schedule firing. A handler maps expected failures to 4xx responses, so an
 * Errors datapoint or a 5xx is a bug or an outage, never a user mistake; one is enough to alarm.
 * A dead-lettered message is an event that was given up on: one is enough too.
 *
 * Every alarm reads a metric AWS publishes itself (AWS/Lambda, AWS/ApiGateway, AWS/SQS, AWS/S3,
 * AWS/States, AWS/Scheduler), none a count taken from the functions' logs: no metric filter and no
 * embedded-metric-format line is needed, so the functions bundle no metrics library
 * (docs/operations.md, "Logs").
 *
 * The topic and the alarms exist even without `alarmEmail`: the alarm state shows in the console,
 * and the topic (output AlarmTopicArn) can be subscribed to by chat, paging or ticketing tools
 * outside this app without redeploying it.
 */
export class Alarms extends Construct {
  readonly topic: ITopic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    // No KMS encryption: CloudWatch alarms cannot publish to a topic encrypted with the AWS
    // managed key (its key policy cannot grant cloudwatch.amazonaws.com), and alarm messages name
    // metrics, not ticket data. Publishing still requires TLS.
    if ('topic' in props) {
      this.topic = props.topic;
    } else {
      const topic = new Topic(this, 'Topic', { displayName: 'Open ITSM alarms', enforceSSL: true });
      if (props.email !== undefined) topic.addSubscription(new EmailSubscription(props.email));
      this.topic = topic;
    }
    this.action = new SnsAction(this.topic);
  }

  watchFunction(id: string, fn: IFunction): Alarm {
    return this.alarm(
      `${id}Errors`,
      fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      `Lambda ${id} threw or timed out at least once in ${PERIOD.toMinutes()} minutes`,
    );
  }

  watchApi(api: IHttpApi): Alarm {
    return this.alarm(
      'Api5xx',
      api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      `The HTTP API answered 5xx at least once in ${PERIOD.toMinutes()} minutes`,
    );
  }

  /**
   * Alarms while a dead-letter queue holds any message (Maximum of ApproximateNumberOfMessagesVisible
   * >= 1), and returns to OK once it has been redriven or purged: the alarm stays up as long as
   * something was given up on and nobody has looked at it.
   */
  watchDeadLetterQueue(id: string, queue: IQueue, what: string): Alarm {
    return this.alarm(
      `${id}Messages`,
      queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      `${what}: messages are waiting in a dead-letter queue; inspect them, fix the cause, then redrive or purge`,
    );
  }

  /**
   * Alarms when a record is written to a failure bucket (S3 request metrics: PutRequests of the
   * bucket's metrics filter >= 1 in a period). Unlike a queue's depth, S3 has no per-minute count
   * of what is waiting, so the alarm marks the failure and returns to OK by itself; the objects
   * stay for replay until their lifecycle expires them.
   */
  watchFailureBucket(id: string, bucket: IBucket, metricsFilterId: string, what: string): Alarm {
    return this.alarm(
      `${id}Writes`,
      new Metric({
        namespace: 'AWS/S3',
        metricName: 'PutRequests',
        dimensionsMap: { BucketName: bucket.bucketName, FilterId: metricsFilterId },
        period: PERIOD,
        statistic: 'Sum',
      }),
      `${what}: a failure record was written to the bucket; fix the cause, then replay (npm run replay-dead-letters)`,
    );
  }

  /**
   * A workflow execution that failed or timed out gave up on what it was doing (an escalation
   * that stopped halfway): one is enough. Aborted executions are someone's deliberate stop.
   */
  watchStateMachine(id: string, stateMachine: IStateMachine, what: string): Alarm[] {
    return [
      this.alarm(
        `${id}ExecutionsFailed`,
        stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        `${what}: an execution failed in ${PERIOD.toMinutes()} minutes; its history in the Step Functions console shows the state and the error`,
      ),
      this.alarm(
        `${id}ExecutionsTimedOut`,
        stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
        `${what}: an execution timed out in ${PERIOD.toMinutes()} minutes`,
      ),
    ];
  }

  /**
   * Schedules whose firing was lost without a trace: Scheduler could not deliver it to the target
   * and could not put it in the dead-letter queue either (the queue alarm covers what did arrive
   * there), or dropped it because the schedule has no dead-letter queue.
   */
  watchScheduleGroup(id: string, group: IScheduleGroup, what: string): Alarm[] {
    return [
      this.alarm(
        `${id}FailedToDeadLetter`,
        group.metricFailedToBeSentToDLQ(undefined, { period: PERIOD, statistic: 'Sum' }),
        `${what}: a schedule's firing failed and could not be put in the dead-letter queue; it is lost`,
      ),
      this.alarm(
        `${id}Dropped`,
        group.metricDropped({ period: PERIOD, statistic: 'Sum' }),
        `${what}: a schedule's firing was dropped after its retries (a schedule without a dead-letter queue); it is lost`,
      ),
    ];
  }

  private alarm(id: string, metric: IMetric, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: description,
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
