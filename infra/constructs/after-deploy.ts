import { CfnResource, Fn, Stack } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { InvocationType, Trigger } from 'aws-cdk-lib/triggers';
import { Construct, type IConstruct } from 'constructs';
import type { ItsmFunction } from './itsm-function.ts';

/** The stack-wide provider `aws-cdk-lib/triggers` creates for every Trigger, and its function. */
export const TRIGGER_PROVIDER_ID = 'AWSCDK.TriggerCustomResourceProviderCustomResourceProvider';

export interface AfterDeployProps {
  /** The function to run; it must be idempotent. */
  readonly fn: ItsmFunction;
  /** What it needs in place first (the table, ...); its own function, role and policy always are. */
  readonly executeAfter: readonly IConstruct[];
  readonly logRetention: RetentionDays;
}

/**
 * Runs a function once after a deployment, synchronously: a failure fails the deployment and
 * CloudFormation rolls it back (a seed that could not be written is not silently missing).
 *
 * A CDK Trigger runs it when it is created and again whenever the function changes (its code or
 * configuration, hence a new version): that is on the first deployment and on every deployment
 * that brings new defaults, not on deployments that change nothing about it. It runs after the
 * function's role and policy exist and after `executeAfter`.
 *
 * The Trigger brings one provider function per stack (CDK's, with the AWSLambdaBasicExecutionRole
 * managed policy and lambda:InvokeFunction on `<function ARN>:*`). Its log group is created here
 * with the stack's retention, before it first runs, instead of by Lambda without an expiry.
 */
export class AfterDeploy extends Construct {
  readonly trigger: Trigger;
  readonly providerLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AfterDeployProps) {
    super(scope, id);

    this.trigger = new Trigger(this, 'Trigger', {
      handler: props.fn.function,
      invocationType: InvocationType.REQUEST_RESPONSE,
      executeAfter: [props.fn, ...props.executeAfter] as Construct[],
    });

    const stack = Stack.of(this);
    const providerLogGroupId = `${TRIGGER_PROVIDER_ID}Logs`;
    const existing = stack.node.tryFindChild(providerLogGroupId);
    if (existing instanceof LogGroup) {
      this.providerLogGroup = existing;
    } else {
      const handler = stack.node.tryFindChild(TRIGGER_PROVIDER_ID)?.node.tryFindChild('Handler');
      if (!(handler instanceof CfnResource)) {
        throw new Error(`${id}: the trigger provider's function (${TRIGGER_PROVIDER_ID}/Handler) was not found; aws-cdk-lib/triggers changed`);
      }
      this.providerLogGroup = new LogGroup(stack, providerLogGroupId, {
        logGroupName: Fn.join('', ['/aws/lambda/', handler.ref]),
        retention: props.logRetention,
      });
    }
    this.trigger.executeAfter(this.providerLogGroup);
  }
}
