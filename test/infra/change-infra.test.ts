import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Policy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_ENVIRONMENT, CONSUMERS, FUNCTIONS, type FunctionDefinition, type FunctionId, WORKFLOWS } from '../../functions/routes.ts';
import { REPOSITORY_ROOT } from '../../infra/app.ts';
import { checkTaskResources } from '../../infra/constructs/workflow.ts';
import {
  actionsOf,
  describeFindings,
  executionsArnOf,
  FIXTURES_ROOT,
  functionOf,
  getAtt,
  logicalIdIn,
  type Resources,
  ref,
  resourcesOfFunctionStacks,
  type Statement,
  type SynthesizedApp,
  synthesize,
  TASK_RESPONSE_ACTIONS,
  unacknowledgedNagFindings,
} from './helpers.ts';

/**
 * Change enablement's infrastructure: the change approval workflow (a Standard state machine from
 * statemachines/change-approval.asl.json whose only function is changeApprovalSteps), the two
 * capabilities that reach it (runChangeApprovals: start and stop its executions;
 * stopChangeApprovals: only stop them; answerApprovalTasks: SendTaskSuccess/SendTaskFailure), who holds which states:* action, and
 * the after-deploy seed of the change defaults.
 */

const pascal = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}`;

const DEFINITION = WORKFLOWS.changeApproval;
const STEPS_PLACEHOLDER = 'ChangeApprovalStepsFunctionArn';
const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const functionEntries = Object.entries(FUNCTIONS) as [FunctionId, FunctionDefinition][];
const withCapability = (capability: string): FunctionId[] =>
  functionEntries.filter(([, d]) => (d.capabilities as readonly string[] | undefined)?.includes(capability)).map(([id]) => id);
const RUNNERS = withCapability('runChangeApprovals');
const STOPPERS = withCapability('stopChangeApprovals');
const RESPONDERS = withCapability('answerApprovalTasks');
/** Who starts or stops the request fulfilment workflow (asserted in requests-infra.test.ts). */
const REQUEST_WORKFLOW_HOLDERS = [...withCapability('startRequestFulfilment'), ...withCapability('stopRequestFulfilment')];

function definitionText(): string {
  const real = join(REPOSITORY_ROOT, DEFINITION.definitionFile);
  return readFileSync(existsSync(real) ? real : join(FIXTURES_ROOT, basename(DEFINITION.definitionFile)), 'utf8');
}

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Branches?: { States: Record<string, AslState> }[];
  ItemProcessor?: { States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
}

/** Every Task of a definition, nested ones included, by name. */
function tasksOf(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, AslState]] : []),
    ...(state.Branches ?? []).flatMap((branch) => tasksOf(branch.States)),
    ...tasksOf(state.ItemProcessor?.States ?? {}),
    ...tasksOf(state.Iterator?.States ?? {}),
  ]);
}

/**
 * A dependency cycle among the template's resources (Ref, Fn::GetAtt, DependsOn), as the list of
 * logical ids around it, or undefined. CloudFormation refuses a template with one; `cdk synth` does not.
 */
function findCycle(resources: Resources): string[] | undefined {
  const edges = new Map<string, Set<string>>();
  const collect = (node: unknown, into: Set<string>): void => {
    if (Array.isArray(node)) for (const item of node) collect(item, into);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (typeof record.Ref === 'string' && record.Ref in resources) into.add(record.Ref);
      const getAtt = record['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && getAtt[0] in resources) into.add(getAtt[0]);
      for (const value of Object.values(record)) collect(value, into);
    }
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    const targets = new Set<string>(resource.DependsOn ?? []);
    collect(resource.Properties, targets);
    edges.set(logicalId, targets);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Every resource a logical id depends on, directly or not. */
function dependenciesOf(resources: Resources, start: string): Set<string> {
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const id = pending.pop()!;
    const resource = resources[id];
    if (resource === undefined) continue;
    const direct = new Set<string>(resource.DependsOn ?? []);
    JSON.stringify(resource.Properties ?? {}, (key, value: unknown) => {
      if (key === 'Ref' && typeof value === 'string' && value in resources) direct.add(value);
      if (key === 'Fn::GetAtt' && Array.isArray(value) && typeof value[0] === 'string' && value[0] in resources) direct.add(value[0]);
      return value;
    });
    for (const next of direct) {
      if (!seen.has(next)) {
        seen.add(next);
        pending.push(next);
      }
    }
  }
  return seen;
}

describe('the route table asks for the change approval workflow', () => {
  it('registers the file, its steps function and the variable carrying its ARN', () => {
    expect(DEFINITION).toMatchObject({
      definitionFile: 'statemachines/change-approval.asl.json',
      functions: { [STEPS_PLACEHOLDER]: 'changeApprovalSteps' },
      arnEnvironment: 'CHANGE_APPROVAL_STATE_MACHINE_ARN',
    });
    expect(CAPABILITY_ENVIRONMENT.runChangeApprovals).toEqual(['CHANGE_APPROVAL_STATE_MACHINE_ARN']);
    expect(CAPABILITY_ENVIRONMENT.stopChangeApprovals).toEqual([]);
    expect(CAPABILITY_ENVIRONMENT.answerApprovalTasks).toEqual([]);
  });

  it('lets submit run approvals, cancel and edit (which stops the workflow of a change edited back to draft) only stop them; the vote, the start override and the steps answer tasks', () => {
    expect(RUNNERS.sort()).toEqual(['submitChange']);
    expect(STOPPERS.sort()).toEqual(['cancelChange', 'updateChange']);
    // The start override answers the token of AwaitStartOverride, as a vote answers AwaitApproval's.
    // The request fulfilment workflow's vote and steps answer its tokens the same way (requests-infra.test.ts).
    expect(RESPONDERS.sort()).toEqual(['changeApprovalSteps', 'changeApprovals', 'changeImplementation', 'requestApprovals', 'requestFulfilmentSteps']);
  });

  it('does not give the function the workflow calls the workflow’s ARN (no dependency cycle)', () => {
    const steps: FunctionDefinition = FUNCTIONS.changeApprovalSteps;
    const variables = (steps.capabilities ?? []).flatMap((capability) => CAPABILITY_ENVIRONMENT[capability]);
    expect(variables).not.toContain(DEFINITION.arnEnvironment);
  });

  it('seeds the change defaults after each deployment', () => {
    expect(CONSUMERS).toContainEqual({ functionId: 'seedChangeDefaults', source: { kind: 'afterDeploy' } });
  });

  it('waits for approvers through lambda:invoke.waitForTaskToken on the steps function, and calls nothing else', () => {
    const asl = JSON.parse(definitionText()) as { States: Record<string, AslState> };
    const tasks = tasksOf(asl.States);
    const callbacks = tasks.filter(([, state]) => state.Resource === WAIT_FOR_TASK_TOKEN);
    expect(callbacks.length).toBeGreaterThan(0);
    for (const [name, state] of callbacks) {
      expect(state.Parameters?.FunctionName, name).toBe(`\${${STEPS_PLACEHOLDER}}`);
      // The token travels in the payload: without it nobody could answer.
      expect((state.Parameters?.Payload as Record<string, unknown>)?.['taskToken.$'], name).toBe('$$.Task.Token');
    }
    for (const [name, state] of tasks.filter(([, s]) => s.Resource !== WAIT_FOR_TASK_TOKEN)) expect(state.Resource, name).toBe(`\${${STEPS_PLACEHOLDER}}`);
  });
});

describe('default deployment', () => {
  let synth: SynthesizedApp;
  let resources: (type: string) => Resources;
  let logicalId: (construct: IConstruct) => string;
  let stateMachine: string;
  let workflowRole: string;
  let stepsFunction: string;
  const fnOf = (functionId: FunctionId) => {
    // In the stack its area names (the API stack or an area stack).
    return functionOf(synth, functionId);
  };
  const allPolicies = () => Object.entries(resources('AWS::IAM::Policy'));
  const statementsOfRole = (roleLogicalId: string): Statement[] =>
    allPolicies()
      .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([ref(roleLogicalId)]))
      .flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const statesStatements = (functionId: FunctionId) =>
    statementsOfRole(logicalId(fnOf(functionId).role)).filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
  const capabilityPolicy = (functionId: FunctionId, capability: string) => {
    const policy = fnOf(functionId).node.tryFindChild(`${pascal(capability)}Policy`);
    if (!(policy instanceof Policy)) throw new Error(`${functionId} has no policy for ${capability}`);
    return resources('AWS::IAM::Policy')[logicalId(policy)]!;
  };
  const variablesOf = (functionId: FunctionId) =>
    (resources('AWS::Lambda::Function')[logicalId(fnOf(functionId).function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;

  beforeAll(() => {
    synth = synthesize();
    resources = (type: string) => resourcesOfFunctionStacks(synth, type);
    logicalId = (construct: IConstruct) => logicalIdIn(construct);
    const workflow = synth.api.workflows.get('changeApproval');
    if (workflow === undefined) throw new Error('No changeApproval workflow');
    stateMachine = logicalId(workflow.stateMachine);
    workflowRole = logicalId(workflow.role);
    stepsFunction = logicalId(fnOf('changeApprovalSteps').function);
  });
  afterAll(() => synth?.cleanup());

  describe('the change approval state machine', () => {
    it('is a Standard state machine deployed from the file, its placeholder replaced by the steps function’s ARN', () => {
      const properties = resources('AWS::StepFunctions::StateMachine')[stateMachine]?.Properties;
      expect(properties?.StateMachineType).toBe('STANDARD');
      expect(properties?.DefinitionString).toBeUndefined();
      expect(properties?.DefinitionSubstitutions).toEqual({ [STEPS_PLACEHOLDER]: getAtt(stepsFunction) });
      expect(properties?.RoleArn).toEqual(getAtt(workflowRole));
      const staged = readFileSync(join(synth.assembly.directory, `asset.${(properties?.DefinitionS3Location as { Key: string }).Key}`), 'utf8');
      expect(staged).toBe(definitionText());
    });

    it('substituted as CloudFormation does, calls the steps function ARN in every Task, the callback included', () => {
      const stepsArn = 'arn:aws:lambda:eu-west-1:111122223333:function:ItsmApi-ChangeApprovalStepsFunction-AbC123';
      const deployed = definitionText().replaceAll(`\${${STEPS_PLACEHOLDER}}`, stepsArn);
      expect(deployed).not.toMatch(/\$\{/);
      const tasks = tasksOf((JSON.parse(deployed) as { States: Record<string, AslState> }).States);
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, state] of tasks) {
        if (state.Resource === WAIT_FOR_TASK_TOKEN) expect(state.Parameters?.FunctionName, name).toBe(stepsArn);
        else expect(state.Resource, name).toBe(stepsArn);
      }
    });

    it('has a role only Step Functions assumes, which may invoke the steps function (unqualified ARN) and nothing else', () => {
      expect(resources('AWS::IAM::Role')[workflowRole]?.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'states.amazonaws.com' } }],
      });
      const statements = statementsOfRole(workflowRole);
      expect(statements.filter((s) => s.Resource !== '*')).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: getAtt(stepsFunction) }]);
      // "*" only for log delivery and X-Ray; no lambda, no states action on it.
      for (const action of statements.filter((s) => s.Resource === '*').flatMap(actionsOf)) expect(action).toMatch(/^(logs|xray):/);
      expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('states:'))).toEqual([]);
    });

    it('logs every event without execution data, is traced, alarms on failed and timed-out executions, and outputs its ARN', () => {
      const properties = resources('AWS::StepFunctions::StateMachine')[stateMachine]?.Properties;
      expect(properties?.LoggingConfiguration).toMatchObject({ IncludeExecutionData: false, Level: 'ALL' });
      expect(properties?.TracingConfiguration).toEqual({ Enabled: true });
      const alarms = Object.values(resources('AWS::CloudWatch::Alarm'))
        .map((a) => a.Properties!)
        .filter((a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: ref(stateMachine) }]));
      expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
      synth.apiTemplate.hasOutput('ChangeApprovalStateMachineArn', { Value: ref(stateMachine) });
    });
  });

  describe('who may do what with it', () => {
    it('submitChange may start the change approval workflow and stop its executions, nothing broader', () => {
      expect(variablesOf('submitChange').CHANGE_APPROVAL_STATE_MACHINE_ARN).toEqual(ref(stateMachine));
      expect(statesStatements('submitChange')).toEqual([
        { Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(stateMachine) },
        { Effect: 'Allow', Action: 'states:StopExecution', Resource: executionsArnOf(stateMachine) },
      ]);
    });

    it.each(['cancelChange', 'updateChange'] as const)(
      '%s may only stop the change approval executions (the one the change records), never start one',
      (functionId) => {
        expect(variablesOf(functionId).CHANGE_APPROVAL_STATE_MACHINE_ARN).toBeUndefined();
        expect(statesStatements(functionId)).toEqual([{ Effect: 'Allow', Action: 'states:StopExecution', Resource: executionsArnOf(stateMachine) }]);
      },
    );

    it.each(['changeApprovals', 'changeApprovalSteps', 'changeImplementation'] as const)(
      '%s may answer task tokens (on "*", which is all IAM accepts), and no other states action',
      (functionId) => {
        expect(statesStatements(functionId)).toEqual([{ Effect: 'Allow', Action: [...TASK_RESPONSE_ACTIONS].sort(), Resource: '*' }]);
        expect(variablesOf(functionId).CHANGE_APPROVAL_STATE_MACHINE_ARN).toBeUndefined();
      },
    );

    it.each([
      ...RUNNERS.map((id) => [id, 'runChangeApprovals'] as const),
      ...STOPPERS.map((id) => [id, 'stopChangeApprovals'] as const),
      ...RESPONDERS.map((id) => [id, 'answerApprovalTasks'] as const),
    ])('%s: %s is a policy of its own, on its role only, holding only its statements, in place before the function', (functionId, capability) => {
      const policy = capabilityPolicy(functionId, capability);
      expect(policy.Properties?.Roles).toEqual([ref(logicalId(fnOf(functionId).role))]);
      const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
      expect(statements.flatMap(actionsOf).every((a) => a.startsWith('states:'))).toBe(true);
      const policyId = Object.entries(resources('AWS::IAM::Policy')).find(([, p]) => p === policy)![0];
      expect(resources('AWS::Lambda::Function')[logicalId(fnOf(functionId).function)]?.DependsOn).toContain(policyId);
    });

    it('gives no other function any states action, and no function any wildcard states action', () => {
      for (const [functionId] of functionEntries) {
        const actions = statesStatements(functionId).flatMap(actionsOf);
        for (const action of actions) expect(action, functionId).not.toMatch(/\*/);
        if (![...RUNNERS, ...STOPPERS, ...RESPONDERS, ...REQUEST_WORKFLOW_HOLDERS].includes(functionId)) expect(actions, functionId).toEqual([]);
      }
    });

    it('grants states actions nowhere else in the stack but the SLA scheduler role (which starts the escalation workflow)', () => {
      const allowed = new Set([...RUNNERS, ...STOPPERS, ...RESPONDERS, ...REQUEST_WORKFLOW_HOLDERS].map((id) => logicalId(fnOf(id).role)));
      allowed.add(logicalId(synth.api.slaTimers.role));
      for (const [policyId, policy] of allPolicies()) {
        const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
        if (!statements.flatMap(actionsOf).some((a) => a.startsWith('states:'))) continue;
        for (const role of policy.Properties?.Roles as { Ref: string }[]) expect(allowed.has(role.Ref), `${policyId} on ${role.Ref}`).toBe(true);
      }
      // Nor in a role's inline policies (the trigger provider's, for one).
      for (const [roleId, role] of Object.entries(resources('AWS::IAM::Role'))) {
        const inline = (role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? [];
        expect(
          inline
            .flatMap((p) => p.PolicyDocument.Statement)
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('states:')),
          roleId,
        ).toEqual([]);
      }
    });
  });

  describe('dependencies', () => {
    it('the cycle check finds a cycle through Ref, Fn::GetAtt and DependsOn (control)', () => {
      const cyclic: Resources = {
        Fn: { Properties: { Environment: { Variables: { ARN: { Ref: 'Machine' } } } } },
        Machine: { Properties: { Substitutions: { F: { 'Fn::GetAtt': ['Steps', 'Arn'] } } } },
        Steps: { DependsOn: ['Fn'] },
      };
      expect(findCycle(cyclic)).toEqual(['Fn', 'Machine', 'Steps', 'Fn']);
      expect(findCycle({ ...cyclic, Steps: {} })).toBeUndefined();
    });

    it('the API template has no dependency cycle', () => {
      expect(findCycle(synth.apiTemplate.toJSON().Resources as Resources)).toBeUndefined();
    });

    it('the state machine depends on the steps function, never on the functions that start it', () => {
      const all = synth.apiTemplate.toJSON().Resources as Resources;
      const dependencies = dependenciesOf(all, stateMachine);
      expect(dependencies).toContain(stepsFunction);
      for (const functionId of RUNNERS) {
        expect(dependencies.has(logicalId(fnOf(functionId).function)), functionId).toBe(false);
        expect(dependencies.has(logicalId(fnOf(functionId).role)), functionId).toBe(false);
      }
    });
  });

  describe('after-deploy seed', () => {
    it('runs seedChangeDefaults synchronously after deployments that change it, through the one trigger provider', () => {
      const fn = fnOf('seedChangeDefaults');
      const versions = resources('AWS::Lambda::Version');
      const trigger = Object.values(resources('Custom::Trigger')).find(
        (candidate) =>
          JSON.stringify(versions[(candidate.Properties?.HandlerArn as { Ref: string }).Ref]?.Properties?.FunctionName) ===
          JSON.stringify(ref(logicalId(fn.function))),
      );
      expect(trigger?.Properties).toMatchObject({ InvocationType: 'RequestResponse', ExecuteOnHandlerChange: true });
      expect(trigger?.DependsOn).toEqual(expect.arrayContaining([logicalId(fn.function), logicalId(fn.role)]));
      expect(synth.api.afterDeploy.get('seedChangeDefaults')).toBeDefined();
      // Both seeds share the stack's one provider.
      const providers = new Set(Object.values(resources('Custom::Trigger')).map((t) => JSON.stringify(t.Properties?.ServiceToken)));
      expect(providers.size).toBe(1);
    });
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('guard rails: every Task calls a function the workflow role may invoke', () => {
  const task = (state: Record<string, unknown>) => JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', End: true, ...state } } });

  it.each([
    ['a placeholder as Resource', task({ Resource: '${StepsArn}' })],
    [
      'lambda:invoke.waitForTaskToken with a placeholder FunctionName',
      task({ Resource: WAIT_FOR_TASK_TOKEN, Parameters: { FunctionName: '${StepsArn}', Payload: { 'token.$': '$$.Task.Token' } } }),
    ],
    ['lambda:invoke with a placeholder FunctionName', task({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${StepsArn}' } })],
  ])('accepts %s', (_, text) => {
    expect(() => checkTaskResources('x.asl.json', text, ['StepsArn'])).not.toThrow();
  });

  it.each([
    [
      'a callback whose FunctionName is a literal ARN',
      task({ Resource: WAIT_FOR_TASK_TOKEN, Parameters: { FunctionName: 'arn:aws:lambda:eu-west-1:111122223333:function:f' } }),
    ],
    ['a callback whose function is chosen at run time', task({ Resource: WAIT_FOR_TASK_TOKEN, Parameters: { 'FunctionName.$': '$.fn' } })],
    ['another service', task({ Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: {} })],
    [
      'a Task inside a Parallel branch',
      JSON.stringify({
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            End: true,
            Branches: [{ StartAt: 'B', States: { B: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } } }],
          },
        },
      }),
    ],
  ])('refuses %s, naming the file and the state', (_, text) => {
    expect(() => checkTaskResources('x.asl.json', text, ['StepsArn'])).toThrow(/^x\.asl\.json: Task [AB] /);
  });
});
