import { readFileSync } from 'node:fs';
import { Aws, Fn, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Alarms } from './alarms.ts';

export interface WorkflowProps {
  /** Absolute path of the ASL file (JSONPath, `${Placeholders}`). */
  readonly definitionFile: string;
  /** Each `${Placeholder}` of the file and the function whose ARN replaces it; the Task states call them. */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly alarms: Alarms;
}

/**
 * The `${Name}` placeholders an ASL file uses, checked against the ones given a value: a placeholder
 * without a value would deploy as literal text (a Task whose Resource is "${X}" fails only when it
 * runs), a value the file never uses would be a permission granted for nothing, and a qualified
 * ARN (`${Arn}:alias`) would call something the role is not allowed to invoke. Throws with every
 * problem named; returns the placeholders used.
 */
export function checkPlaceholders(file: string, text: string, given: readonly string[]): string[] {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const used = new Set<string>();
  const problems: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}(:)?/g)) {
    const name = match[1] ?? '';
    used.add(name);
    if (match[2] !== undefined) problems.push(`\${${name}} is followed by a qualifier; Task states call the function's unqualified ARN`);
  }
  for (const name of used) {
    if (!given.includes(name)) problems.push(`it uses \${${name}}, which its WORKFLOWS entry does not map to a function`);
  }
  for (const name of given) {
    if (!used.has(name)) problems.push(`its WORKFLOWS entry maps \${${name}}, which the file never uses`);
  }
  if (problems.length > 0) throw new Error(`${file}: ${[...new Set(problems)].join('; ')}`);
  return [...used];
}

/**
 * The Lambda service integrations a Task may use instead of a function ARN as its Resource: the
 * request-response call and the callback (task token) pattern. Both name the function in
 * `Parameters.FunctionName`, which must then be a placeholder: the role's lambda:InvokeFunction
 * covers the unqualified ARNs of the placeholders' functions and nothing else.
 */
export const LAMBDA_INVOKE_INTEGRATIONS = ['arn:aws:states:::lambda:invoke', 'arn:aws:states:::lambda:invoke.waitForTaskToken'] as const;

interface AslState {
  readonly Type?: string;
  readonly Resource?: unknown;
  readonly Parameters?: Record<string, unknown>;
  readonly Branches?: readonly { readonly States?: Record<string, AslState> }[];
  readonly Iterator?: { readonly States?: Record<string, AslState> };
  readonly ItemProcessor?: { readonly States?: Record<string, AslState> };
}

/**
 * Every Task state of an ASL file (inside Parallel branches and Map processors too) must call a
 * function the role may invoke: `"Resource": "${Placeholder}"`, or one of LAMBDA_INVOKE_INTEGRATIONS
 * with `"FunctionName": "${Placeholder}"`. A Task calling anything else (another service, a literal
 * ARN, a function chosen at run time) would deploy and then fail with AccessDenied when it runs.
 * Throws with every such Task named.
 */
export function checkTaskResources(file: string, text: string, given: readonly string[]): void {
  const placeholders = new Set(given.map((name) => `\${${name}}`));
  const problems: string[] = [];
  const visit = (states: Record<string, AslState> | undefined): void => {
    for (const [name, state] of Object.entries(states ?? {})) {
      if (state.Type === 'Task') {
        const resource = state.Resource;
        if ((LAMBDA_INVOKE_INTEGRATIONS as readonly unknown[]).includes(resource)) {
          const functionName = state.Parameters?.FunctionName;
          if (typeof functionName !== 'string' || !placeholders.has(functionName)) {
            problems.push(`Task ${name} uses ${String(resource)} with a FunctionName that is not one of its placeholders`);
          }
        } else if (typeof resource !== 'string' || !placeholders.has(resource)) {
          problems.push(`Task ${name} calls ${JSON.stringify(resource)}, which is neither a placeholder's function nor lambda:invoke of one`);
        }
      }
      for (const branch of state.Branches ?? []) visit(branch.States);
      visit(state.Iterator?.States);
      visit(state.ItemProcessor?.States);
    }
  };
  visit((JSON.parse(text) as { States?: Record<string, AslState> }).States);
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
}

/**
 * A Standard state machine from an ASL file: the definition is deployed as the file is
 * (`DefinitionBody.fromFile`, an S3 asset), with its function placeholders substituted by
 * CloudFormation.
 *
 * CDK cannot see the Tasks inside a file, so the role is written by hand: lambda:InvokeFunction
 * on exactly the functions the placeholders name (their unqualified ARNs), plus what logging and
 * tracing need. That covers both ways a Task may call them (checkTaskResources): the function ARN
 * as Resource, and lambda:invoke / lambda:invoke.waitForTaskToken with the ARN as FunctionName
 * (an unqualified FunctionName is authorized against the unqualified ARN; no `:*` for versions
 * or aliases, which checkPlaceholders refuses). The callback pattern needs nothing more from the
 * role: the task token is answered by whoever receives it. Executions log every event to their
 * own log group but without input and output (`includeExecutionData: false`): payloads carry
 * incident data and must not end up in logs. Failed and timed-out executions raise alarms.
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const text = readFileSync(props.definitionFile, 'utf8');
    checkPlaceholders(props.definitionFile, text, Object.keys(props.functions));
    checkTaskResources(props.definitionFile, text, Object.keys(props.functions));

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: `Execution role of the ${id} workflow`,
    });
    // One statement for all of them; a function named by two placeholders is listed once.
    const functionArns = [...new Set(Object.values(props.functions).map((fn) => fn.functionArn))];
    this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: functionArns }));

    // The /aws/vendedlogs/ prefix is what Step Functions recommends: log delivery to other names
    // adds to the account's CloudWatch Logs resource policy, whose size is limited. The stack
    // name keeps two deployments in one account apart.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: Fn.join('', ['/aws/vendedlogs/states/', Aws.STACK_NAME, `-${id}`]),
      retention: props.logRetention,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(props.definitionFile),
      definitionSubstitutions: Object.fromEntries(Object.entries(props.functions).map(([name, fn]) => [name, fn.functionArn])),
      role: this.role,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the statements CDK adds for logging and tracing use "*": CloudWatch Logs log delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level permissions. lambda:InvokeFunction names each function ARN.',
    });

    props.alarms.watchStateMachine(id, this.stateMachine, `Workflow ${id}`);
  }
}
