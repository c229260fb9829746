import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type CfnElement, type PolicyViolation, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { type Area, assembleAreas, FUNCTIONS, WORKFLOWS } from '../../functions/routes.ts';
import { buildApp, type ItsmApp, REPOSITORY_ROOT } from '../../infra/app.ts';
import type { ItsmFunction } from '../../infra/constructs/itsm-function.ts';
import type { ApiStack } from '../../infra/stacks/api-stack.ts';
import type { AreaStack } from '../../infra/stacks/area-stack.ts';

/** The CLI reads cdk.json's context (feature flags); tests must synthesize with the same. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Stand-ins for workflow files still being written: test/fixtures/workflows/<same file name>. */
export const FIXTURES_ROOT = join(REPOSITORY_ROOT, 'test', 'fixtures', 'workflows');

/**
 * The file a workflow is deployed from in tests: the real ASL file, or its fixture
 * (test/fixtures/workflows/<same name>) while the real one is not there or is a stand-in committed
 * before its workflow was written (it does not use every placeholder its entry maps).
 */
export function workflowSource(definition: { readonly definitionFile: string; readonly functions: Readonly<Record<string, string>> }): string {
  const real = join(REPOSITORY_ROOT, definition.definitionFile);
  const fixture = join(FIXTURES_ROOT, basename(definition.definitionFile));
  if (!existsSync(real)) return fixture;
  const text = readFileSync(real, 'utf8');
  const complete = Object.keys(definition.functions).every((placeholder) => text.includes(`\${${placeholder}}`));
  return complete || !existsSync(fixture) ? real : fixture;
}

/**
 * NodejsFunction insists that the entry file exists even when bundling is skipped, and a workflow
 * reads its ASL file at synth. While a handler or a workflow file is still being written,
 * templates are asserted against a throwaway copy of the source layout with stub entries and the
 * real ASL files (or, for one not written yet, its fixture); once everything exists, the real
 * repository is used.
 */
export function sourceRootForTests(areas?: readonly Area[]): { root: string; cleanup: () => void } {
  const { functions, workflows } = areas === undefined ? { functions: FUNCTIONS, workflows: WORKFLOWS } : assembleAreas(areas);
  const entries = Object.values(functions).map((fn) => fn.entry);
  const workflowFiles = Object.values(workflows).map((workflow) => workflow.definitionFile);
  const written = (file: string): boolean =>
    workflowSource(Object.values(workflows).find((w) => w.definitionFile === file) ?? { definitionFile: file, functions: {} }) === join(REPOSITORY_ROOT, file);
  if (entries.every((file) => existsSync(join(REPOSITORY_ROOT, file))) && workflowFiles.every(written)) {
    return { root: REPOSITORY_ROOT, cleanup: () => {} };
  }
  const root = mkdtempSync(join(tmpdir(), 'itsm-infra-src-'));
  writeFileSync(join(root, 'package-lock.json'), '{}');
  for (const entry of entries) {
    mkdirSync(dirname(join(root, entry)), { recursive: true });
    writeFileSync(join(root, entry), 'export const handler = async () => ({ statusCode: 200 });\n');
  }
  for (const file of workflowFiles) {
    const real = join(REPOSITORY_ROOT, file);
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(written(file) ? real : join(FIXTURES_ROOT, basename(file)), join(root, file));
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A stack that holds functions (the API stack or an area stack), with its template. */
export interface FunctionStack {
  readonly stack: ApiStack | AreaStack;
  readonly template: Template;
}

export interface SynthesizedApp extends ItsmApp {
  readonly assembly: CloudAssembly;
  readonly dataTemplate: Template;
  readonly apiTemplate: Template;
  /** The API stack, then each area stack: every stack that holds functions. */
  readonly functionStacks: readonly FunctionStack[];
  /** The stack holding a function (its area's `stack`), with its template; throws for an unknown id. */
  readonly home: (functionId: string) => FunctionStack;
  /** Removes the temporary output (and stub source) directories. */
  readonly cleanup: () => void;
}

/**
 * Builds and synthesizes the app once, with bundling skipped (no esbuild run: seconds, not
 * minutes). Synthesis runs the cdk-nag plugin exactly as `cdk synth` does, so an unacknowledged
 * AwsSolutions error makes this throw.
 */
export function synthesize(context: Record<string, unknown> = {}, options: { readonly areas?: readonly Area[] } = {}): SynthesizedApp {
  const source = sourceRootForTests(options.areas);
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-infra-out-'));
  const built = buildApp(
    { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
    { outdir, sourceRoot: source.root, env: {}, ...(options.areas !== undefined ? { areas: options.areas } : {}) },
  );
  const assembly = built.app.synth();
  const apiTemplate = Template.fromStack(built.api);
  const functionStacks: FunctionStack[] = [
    { stack: built.api, template: apiTemplate },
    ...[...built.areaStacks.values()].map((stack) => ({ stack, template: Template.fromStack(stack) })),
  ];
  return {
    ...built,
    assembly,
    dataTemplate: Template.fromStack(built.data),
    apiTemplate,
    functionStacks,
    home: (functionId) => {
      const found = functionStacks.find(({ stack }) => (stack.functions as ReadonlyMap<string, unknown>).has(functionId));
      if (found === undefined) throw new Error(`No stack holds function ${functionId}`);
      return found;
    },
    cleanup: () => {
      rmSync(outdir, { recursive: true, force: true });
      source.cleanup();
    },
  };
}

/**
 * Every AwsSolutions finding not acknowledged, warnings included (synthesis itself only fails
 * on errors). Runs the rule pack directly over the already-prepared construct tree.
 */
export function unacknowledgedNagFindings(app: ItsmApp['app']): PolicyViolation[] {
  return new AwsSolutionsChecks().validateScope(app).violations;
}

/** Readable summary for assertion messages. */
export function describeFindings(findings: readonly PolicyViolation[]): string[] {
  return findings.map((finding) => `${finding.ruleName} (${finding.severity}): ${finding.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

/** The resources of one type in a template, keyed by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, { Properties?: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties?: Record<string, unknown> }>;
}

/** Logical ids CDK gives the stack-wide provider behind `aws-cdk-lib/triggers` (its function and role). */
export const TRIGGER_PROVIDER_LOGICAL_ID = /^AWSCDKTriggerCustomResourceProviderCustomResourceProvider/;

/**
 * The product's own functions (one per FUNCTIONS entry): every Lambda of the template except the
 * provider CDK adds for the after-deploy trigger (asserted on its own in sla-infra.test.ts).
 */
export function productFunctions(template: Template): Record<string, { Properties?: Record<string, unknown> }> {
  return Object.fromEntries(
    Object.entries(resourcesOfType(template, 'AWS::Lambda::Function')).filter(([logicalId]) => !TRIGGER_PROVIDER_LOGICAL_ID.test(logicalId)),
  );
}

/**
 * The ARN of every execution of a state machine, as the template spells it
 * (`arn:<partition>:states:<region>:<account>:execution:<its name>:*`).
 */
export function executionsArnOf(stateMachineLogicalId: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':states:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':execution:',
        { 'Fn::GetAtt': [stateMachineLogicalId, 'Name'] },
        ':*',
      ],
    ],
  };
}

/**
 * The task-response actions answerApprovalTasks grants, written out here rather than imported,
 * so that widening them in capabilities.ts (SendTaskHeartbeat, states:*) fails the tests.
 */
export const TASK_RESPONSE_ACTIONS = ['states:SendTaskFailure', 'states:SendTaskSuccess'] as const;

/** An IAM policy statement as synthesized. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Resources of one type in a template, by logical id. */
export type Resources = Record<string, { Properties?: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string }>;

export const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
export const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const ref = (logicalId: string) => ({ Ref: logicalId });

/**
 * The resources of one type in every stack that holds functions (the API stack and the area
 * stacks), by logical id: a function's resources are in the stack its area names.
 */
export function resourcesOfFunctionStacks(synth: SynthesizedApp, type: string): Resources {
  return Object.assign({}, ...synth.functionStacks.map(({ template }) => resourcesOfType(template, type))) as Resources;
}

/** A function by id, from the stack that holds it. */
export function functionOf(synth: SynthesizedApp, functionId: string): ItsmFunction {
  const found = (synth.home(functionId).stack.functions as ReadonlyMap<string, ItsmFunction>).get(functionId);
  if (found === undefined) throw new Error(`No function ${functionId}`);
  return found;
}

/** A construct's logical id in its own stack. */
export const logicalIdIn = (construct: IConstruct): string => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
