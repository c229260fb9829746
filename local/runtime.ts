import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseRequesterIncidentFields } from '../functions/incidents/requester-fields.ts';
import { CONSUMERS, WORKFLOWS, type WorkflowId } from '../functions/routes.ts';
import { parseRoleGroups } from '../functions/shared/http/roles.ts';
import {
  asyncDeadLetterQueueOutput,
  busRuleOutputs,
  functionNameOutput,
  INGESTION_QUEUE_URL_OUTPUT,
  streamFailureBucketOutput,
} from '../infra/constructs/dead-letter-replay.ts';
import type { MigrationRun } from '../scripts/migrations.ts';
import { type AwsEndpoint, startAwsEndpoint } from './aws-endpoint.ts';
import { type DeadLetter, DeadLetters, LOCAL_DEAD_LETTER_QUEUES, localAsyncDeadLetterQueue, localFailureBucket } from './dead-letters.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { busRuleConsumers, eventBridgeService, ingestionQueue, LOCAL_INGESTION_BUS, LOCAL_INGESTION_QUEUE, localQueue } from './eventbridge.ts';
import { type ApiRequestLog, createLocalApi, type TokenRejection } from './http-server.ts';
import { createVerifier, loadOrCreateSigningKey, localGroupsClaim, mintToken, type SigningKey } from './identity.ts';
import { type Invoke, invokeFunction } from './invoke.ts';
import { lambdaHandler } from './lambda.ts';
import { PublishedLog } from './published-log.ts';
import { createLocalS3, type LocalS3 } from './s3.ts';
import { createLocalScheduler, type LocalScheduler, type ScheduleView } from './scheduler.ts';
import { seedDemoData } from './seed.ts';
import { type CaughtMail, createLocalSes } from './ses.ts';
import { type LocalSmtp, startLocalSmtp } from './smtp.ts';
import { createLocalSns } from './sns.ts';
import { localQueueUrl, sqsService } from './sqs.ts';
import { createStepFunctionsRunner, type ExecutionSummary, type StepFunctionsRunner } from './step-functions.ts';
import { type StreamFailure, type StreamPoller, startStreamPoller } from './stream-poller.ts';
import { ensureTable } from './table.ts';

export interface LocalStackOptions {
  /** Keeps DynamoDB data and the signing key here; without it, everything is in memory / temporary. */
  readonly dataDir?: string;
  /** 0 picks a free port. */
  readonly httpPort?: number;
  /** The API's address: 127.0.0.1 (default) or, to be reached from containers, 0.0.0.0 (`ITSM_HOST`). */
  readonly httpHost?: string;
  /** Called with each API request once answered (`npm start` prints them). */
  readonly onRequest?: (request: ApiRequestLog) => void;
  /** Told why the authorizer refused a token (never the token): `npm start` prints it. */
  readonly onTokenRejected?: (rejection: TokenRejection) => void;
  /** Told of each data migration run on an existing table, once done (`npm start` prints them). */
  readonly onMigrated?: (run: MigrationRun) => void;
  /** The local AWS endpoint (EventBridge PutEvents, ...); 0 picks a free port, the default. */
  readonly awsPort?: number;
  /** The SMTP listener standing in for SES receiving (local/smtp.ts); 0 picks a free port, the default. */
  readonly smtpPort?: number;
  readonly dynamoDbPort?: number;
  /** Reuse a running DynamoDB Local (tests share one JVM) instead of starting one. */
  readonly dynamoDbEndpoint?: string;
  readonly tableName: string;
  readonly seed?: boolean;
  /** Prints each notification and domain event on the console (default true; tests turn it off). */
  readonly printPublished?: boolean;
  /**
   * Multiplies every workflow duration (waits, task timeouts, retry intervals): tests run the real
   * ASL with an approval timeout of a day in under a second. 1 (real time) by default.
   */
  readonly workflowTimeScale?: number;
  /**
   * Multiplies the timeout of every function the local API invokes (default 1: each function's own,
   * as in AWS). In AWS each invocation has its own connections and DynamoDB spreads writes over
   * partitions; locally every invocation shares one DynamoDB Local, which applies writes one at a
   * time, so a test that fires hundreds of requests at once (an alert storm) waits on it for longer
   * than a function may run. Such a test scales the deadline instead of shrinking the storm.
   */
  readonly functionTimeoutScale?: number;
  /**
   * Where the functions' SNS clients send (default: the local AWS endpoint). A test puts a proxy in
   * front of the local SNS here, before anything publishes: the stack's first publication (the seeded
   * catalog's events) happens while it starts, and an SDK client keeps the endpoint it was made with.
   */
  readonly snsEndpoint?: string;
  /**
   * How event sources and the local Lambda endpoint call a function (default: the handler in the
   * route table). Tests wrap it to stand for an outage: deliveries fail into the dead letters,
   * and once it is over a replay delivers them.
   */
  readonly invoke?: Invoke;
  /**
   * How long the stream consumers wait between idle polls (default 50 ms); settled() wakes them at
   * once. The bench sets it long, so that a consumer reacting to a write never adds its own
   * requests to the round trips counted for the API call that made the write.
   */
  readonly streamPollIntervalMs?: number;
}

export interface LocalStack {
  readonly url: string;
  /** The local AWS endpoint: EventBridge PutEvents today (AWS_ENDPOINT_URL_EVENTBRIDGE points here). */
  readonly awsEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly signingKey: SigningKey;
  readonly server: Server;
  token(sub: string, groups?: string[]): Promise<string>;
  /**
   * Resolves once every record written to the table before the call has gone through the stream
   * consumers (applied, or dead-lettered): "wait until the storm has been processed". PutEvents and
   * the HTTP API answer after their own writes, so their effects downstream are in after this.
   */
  settled(): Promise<void>;
  /** Deliveries given up on after their retries (what AWS would put in a dead-letter queue). */
  deadLetters(): DeadLetter[];
  /** SNS notifications and domain events published so far (also GET /local/notifications, /local/events). */
  readonly published: PublishedLog;
  /** SLA timers: the local Scheduler's schedules (also GET /local/schedules). */
  schedules(): ScheduleView[];
  /** Step Functions executions (also GET /local/executions). */
  executions(): ExecutionSummary[];
  readonly stepFunctions: StepFunctionsRunner;
  /** The SMTP listener (`smtp://127.0.0.1:<port>`): mail sent there opens and annotates tickets, as mail SES receives does. */
  readonly smtp: { readonly url: string; readonly port: number };
  /** The mail catcher: what SES would have sent (GET; DELETE empties it). */
  readonly mailCatcherUrl: string;
  /** What SES would have sent so far, oldest first. */
  caughtMail(): readonly CaughtMail[];
  /** Resolves once every message the SMTP listener took so far has been processed by its function. */
  inboundMailSettled(): Promise<void>;
  stop(): Promise<void>;
}

/** The inbound e-mail bucket locally, and the prefix the receipt rule stores under (as in AWS). */
export const LOCAL_INBOUND_EMAIL_BUCKET = 'itsm-local-inbound-email';
/** The search indexes' snapshots locally (SEARCH_INDEX_BUCKET: readSearchIndex and writeSearchIndex in AWS). */
export const LOCAL_SEARCH_INDEX_BUCKET = 'itsm-local-search-index';
const INBOUND_EMAIL_PREFIX = 'inbound/';
/** The product's addresses locally: what it sends from, and where replies and new requests go. */
export const LOCAL_MAIL_FROM = 'service-desk@itsm.local';
export const LOCAL_MAIL_REPLY_TO = 'requests@itsm.local';

/**
 * The embedded runtime: DynamoDB Local, the table, and the API Gateway look-alike invoking the real
 * handlers. Handlers find their AWS endpoints exactly as in Lambda, through environment variables,
 * so the process environment is set before any handler module loads.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // The SDK warns, from its first client on, that its releases after January 2027 need Node 22.
  // The versions in package-lock.json are pinned and run on Node 20; Lambda runs Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { dynamo, endpoint } = await startDatabase(options);
  setHandlerEnvironment(options.tableName, endpoint);
  await prepareTable(endpoint, options, dynamo);

  // The event sources: EventBridge (PutEvents -> the ingestion queue's consumer) and the table's
  // stream (-> the stream consumers), both feeding the same handlers as in AWS.
  const invoke = options.invoke ?? invokeFunction;
  const deadLetters = new DeadLetters(1000, undefined, options.dataDir === undefined ? undefined : join(options.dataDir, 'dead-letters.json'));
  const streamConsumerIds = CONSUMERS.flatMap((c) => (c.source.kind === 'tableStream' ? [c.functionId] : []));
  // The stream consumers' on-failure destinations: one bucket each, kept with the data.
  const s3TemporaryDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'itsm-s3-')) : undefined;
  const s3 = createLocalS3({
    dir: s3TemporaryDir ?? join(options.dataDir as string, 's3'),
    buckets: [...streamConsumerIds.map(localFailureBucket), LOCAL_INBOUND_EMAIL_BUCKET, LOCAL_SEARCH_INDEX_BUCKET],
  });
  const ses = createLocalSes(options.dataDir === undefined ? {} : { file: join(options.dataDir, 'mail.json') });
  const published = new PublishedLog({ ...(options.printPublished === false ? { print: false } : {}) });
  const { stepFunctions, scheduler } = createWorkflows(options, deadLetters);
  const sns = createLocalSns({ log: published });
  let aws: AwsEndpoint | undefined;
  let poller: StreamPoller | undefined;
  let smtp: LocalSmtp | undefined;
  let awsUrl = '';
  const stopServices = async () => {
    // Timers first, so nothing new starts while the rest shuts down; then the stream consumers
    // finish their batch in flight (and checkpoint) while the endpoints they publish to still answer.
    await scheduler.stop();
    stepFunctions.stop();
    await smtp?.stop();
    await poller?.stop();
    await aws?.stop();
    await dynamo?.stop();
  };
  try {
    aws = await startAwsEndpoint({
      port: options.awsPort ?? 0,
      services: [
        eventBridgeService({ deadLetters, publishedLog: published, invoke }),
        stepFunctions.service,
        sqsService({
          deadLetters,
          deadLetterQueues: [
            LOCAL_DEAD_LETTER_QUEUES.ingestion,
            LOCAL_DEAD_LETTER_QUEUES.ingestionTarget,
            LOCAL_DEAD_LETTER_QUEUES.slaTimers,
            ...busRuleConsumers().flatMap((c) => [c.rule.target.deadLetterQueue, c.targetDeadLetterQueue]),
            localAsyncDeadLetterQueue(emailReceiver()),
          ],
          consumers: {
            [LOCAL_INGESTION_QUEUE]: ingestionQueue({ deadLetters, invoke }).send,
            // The areas' bus rule queues: a replayed dead letter goes back to its consumer.
            ...Object.fromEntries(busRuleConsumers().map((c) => [c.rule.target.queue, localQueue({ deadLetters, invoke, target: c.rule.target }).send])),
          },
          baseUrl: () => awsUrl,
        }),
      ],
      handlers: [s3.handler, scheduler.handler, sns.handler, ses.handler, lambdaHandler(invoke)],
      routes: {
        'GET /local/dead-letters': () => deadLetters.list(),
        'GET /local/outputs': () => localOutputs({ awsUrl, dynamoDbEndpoint: endpoint, stepFunctions, streamConsumerIds }),
        'GET /local/notifications': () => published.notifications(),
        'GET /local/events': () => published.events(),
        'GET /local/schedules': () => scheduler.schedules(),
        'GET /local/executions': () => stepFunctions.executions(),
        'GET /local/mail': () => ses.list(),
        'DELETE /local/mail': () => {
          ses.clear();
          return {};
        },
      },
    });
    awsUrl = aws.url;
    setAwsEndpointEnvironment(aws.url, stepFunctions, options.snsEndpoint);
    poller = await startStreamPoller({
      endpoint,
      tableName: options.tableName,
      ...(options.streamPollIntervalMs === undefined ? {} : { pollIntervalMs: options.streamPollIntervalMs }),
      onFailure: (failure) => keepStreamFailure(s3, failure),
      invoke,
      ...(options.dataDir === undefined ? {} : { checkpointFile: join(options.dataDir, 'stream-checkpoints.json') }),
    });
    smtp = await startLocalSmtp({
      port: options.smtpPort ?? 0,
      s3,
      bucket: LOCAL_INBOUND_EMAIL_BUCKET,
      prefix: INBOUND_EMAIL_PREFIX,
      functionId: emailReceiver(),
      invoke,
      // SES receives only for the configured domain: the Reply-To's (itsm.local).
      receivingDomain: LOCAL_MAIL_REPLY_TO.split('@')[1] as string,
      // Lambda's on-failure destination: the receiver's dead-letter queue (GET /local/dead-letters, npm run replay-dead-letters -- --queue email).
      onGiveUp: (record) =>
        deadLetters.add({
          at: record.timestamp,
          functionId: emailReceiver(),
          source: 'asyncInvocation',
          condition: record.requestContext.condition,
          attempts: record.requestContext.approximateInvokeCount,
          error: record.responsePayload.errorMessage,
          record,
        }),
      ...(process.env.AWS_REGION === undefined ? {} : { region: process.env.AWS_REGION }),
    });
    // Defaults (calendars, SLA policies, the change configuration) as the CDK triggers write them after a deploy: once.
    for (const { functionId } of CONSUMERS.filter((c) => c.source.kind === 'afterDeploy')) await invokeFunction(functionId, {});
    stepFunctions.resume();
    await scheduler.start();
  } catch (error) {
    await stopServices();
    throw error;
  }
  const awsEndpoint = aws.url;
  const streamPoller = poller;
  const smtpListener = smtp;

  const signingKey = await loadOrCreateSigningKey(options.dataDir ?? mkdtempSync(join(tmpdir(), 'itsm-keys-')));
  let ready = false;
  const server = createLocalApi({
    verify: createVerifier(signingKey),
    isReady: () => ready,
    ...(options.functionTimeoutScale === undefined ? {} : { functionTimeoutScale: options.functionTimeoutScale }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
    ...(options.onTokenRejected === undefined ? {} : { onTokenRejected: options.onTokenRejected }),
  });
  const host = options.httpHost ?? '127.0.0.1';
  let url: string;
  try {
    url = await listen(server, options.httpPort ?? 0, host);
  } catch (error) {
    await stopServices();
    throw error;
  }
  const token = (sub: string, groups: string[] = []) => mintToken(signingKey, { sub, groups });
  if (options.seed === true) await seedDemoData(url, await token('local-seed', [...parseRoleGroups(process.env.ROLE_GROUPS).admin.slice(0, 1)]));
  ready = true;

  return {
    url,
    awsEndpoint,
    dynamoDbEndpoint: endpoint,
    tableName: options.tableName,
    signingKey,
    server,
    token,
    settled: () => streamPoller.settled(),
    deadLetters: () => deadLetters.list(),
    published,
    schedules: () => scheduler.schedules(),
    executions: () => stepFunctions.executions(),
    stepFunctions,
    smtp: { url: smtpListener.url, port: smtpListener.port },
    mailCatcherUrl: `${awsEndpoint}/local/mail`,
    caughtMail: () => ses.list(),
    inboundMailSettled: () => smtpListener.settled(),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopServices();
      if (s3TemporaryDir !== undefined) rmSync(s3TemporaryDir, { recursive: true, force: true });
    },
  };
}

/** The function SES's receipt rule invokes (the emailReceipt consumer of CONSUMERS). */
function emailReceiver(): string {
  const functionId = CONSUMERS.find((c) => c.source.kind === 'emailReceipt')?.functionId;
  if (functionId === undefined) throw new Error('no emailReceipt consumer in functions/routes.ts CONSUMERS');
  return functionId;
}

/** DynamoDB Local: the running one named by `dynamoDbEndpoint`, or one started here (stopped with the stack). */
async function startDatabase(options: LocalStackOptions): Promise<{ dynamo: DynamoDbLocal | undefined; endpoint: string }> {
  if (options.dynamoDbEndpoint !== undefined) return { dynamo: undefined, endpoint: options.dynamoDbEndpoint };
  const dynamo = await startDynamoDbLocal({
    ...(options.dynamoDbPort === undefined ? {} : { port: options.dynamoDbPort }),
    ...(options.dataDir === undefined ? {} : { dataDir: join(options.dataDir, 'dynamodb') }),
  });
  return { dynamo, endpoint: dynamo.endpoint };
}

/** The variables every handler reads, as Lambda's configuration sets them in AWS. */
function setHandlerEnvironment(tableName: string, endpoint: string): void {
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // As CDK context groupsClaim / adminGroups, agentGroups, requesterGroups set them in AWS.
    GROUPS_CLAIM: localGroupsClaim(),
    ROLE_GROUPS: JSON.stringify(parseRoleGroups(process.env.ROLE_GROUPS)),
    // Checked here so a typo stops the start with its message, not every POST /incidents with a 500.
    REQUESTER_INCIDENT_FIELDS: parseRequesterIncidentFields(process.env.REQUESTER_INCIDENT_FIELDS).join(',') || 'none',
    EVENT_RETENTION_DAYS: process.env.EVENT_RETENTION_DAYS ?? '30',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

/** Creates the table if need be and runs the data migrations it lacks; on failure, stops the DynamoDB Local started here. */
async function prepareTable(endpoint: string, options: LocalStackOptions, dynamo: DynamoDbLocal | undefined): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  try {
    const table = await ensureTable(client, options.tableName);
    // Items an earlier version wrote are upgraded before anything reads them; a table created just
    // now holds none. Loaded here: the store modules read TABLE_NAME when they load.
    const migrations = await import('../scripts/migrations.ts');
    if (table === 'created') await migrations.recordAllApplied();
    else await migrations.runPendingMigrations(options.onMigrated);
  } catch (error) {
    await dynamo?.stop();
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * The escalation workflow and its timers: the same ASL file, and Scheduler schedules that survive
 * a restart (late ones fire at start). Executions running at a stop are replayed.
 */
function createWorkflows(options: LocalStackOptions, deadLetters: DeadLetters): { stepFunctions: StepFunctionsRunner; scheduler: LocalScheduler } {
  const stepFunctions = createStepFunctionsRunner({
    workflows: WORKFLOWS,
    rootDir: fileURLToPath(new URL('..', import.meta.url)),
    invoke: invokeFunction,
    ...(options.workflowTimeScale === undefined ? {} : { timeScale: options.workflowTimeScale }),
    ...(options.dataDir === undefined ? {} : { stateFile: join(options.dataDir, 'step-functions.json') }),
  });
  const scheduler = createLocalScheduler({
    deadLetters,
    fire: async (target) => {
      await stepFunctions.startExecution({ stateMachineArn: target.Arn, ...(target.Input === undefined ? {} : { input: target.Input }) });
    },
    ...(options.dataDir === undefined ? {} : { stateFile: join(options.dataDir, 'schedules.json') }),
  });
  return { stepFunctions, scheduler };
}

/**
 * The SDK's service-specific endpoint variables (service ids "EventBridge", "SFN", "Scheduler",
 * "SNS", "S3", "SESv2"): code calling them with the SDK reaches the local endpoint with no configuration of
 * its own. The resource names stand in for what CDK creates in AWS.
 */
function setAwsEndpointEnvironment(awsUrl: string, stepFunctions: StepFunctionsRunner, snsEndpoint = awsUrl): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: awsUrl,
    AWS_ENDPOINT_URL_SFN: awsUrl,
    AWS_ENDPOINT_URL_SCHEDULER: awsUrl,
    AWS_ENDPOINT_URL_SNS: snsEndpoint,
    AWS_ENDPOINT_URL_S3: awsUrl,
    AWS_ENDPOINT_URL_SESV2: awsUrl,
    // As the capabilities sendEmail, readInboundEmail, readSearchIndex and writeSearchIndex set them in AWS (functions/routes.ts).
    MAIL_FROM: LOCAL_MAIL_FROM,
    MAIL_REPLY_TO: LOCAL_MAIL_REPLY_TO,
    INBOUND_EMAIL_BUCKET: LOCAL_INBOUND_EMAIL_BUCKET,
    INBOUND_EMAIL_PREFIX,
    SEARCH_INDEX_BUCKET: LOCAL_SEARCH_INDEX_BUCKET,
    EVENT_BUS_NAME: LOCAL_INGESTION_BUS,
    NOTIFICATION_TOPIC_ARN: `arn:aws:sns:${process.env.AWS_REGION}:000000000000:open-itsm-notifications`,
    MAJOR_INCIDENT_TOPIC_ARN: `arn:aws:sns:${process.env.AWS_REGION}:000000000000:open-itsm-major-incident`,
    SLA_SCHEDULE_GROUP: 'open-itsm-sla-timers',
    SLA_SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/open-itsm-local-scheduler',
    SLA_TIMER_DEAD_LETTER_ARN: `arn:aws:sqs:${process.env.AWS_REGION}:000000000000:open-itsm-sla-timers-dead-letters`,
    ...Object.fromEntries((Object.keys(WORKFLOWS) as WorkflowId[]).map((id) => [WORKFLOWS[id].arnEnvironment, stepFunctions.stateMachineArn(id)])),
  });
}

/** What the stack outputs name in AWS (infra/constructs/dead-letter-replay.ts), here: `npm run replay-dead-letters` reads them. */
function localOutputs(stack: {
  awsUrl: string;
  dynamoDbEndpoint: string;
  stepFunctions: StepFunctionsRunner;
  streamConsumerIds: readonly string[];
}): Record<string, string> {
  const { awsUrl } = stack;
  return {
    AwsEndpoint: awsUrl,
    DynamoDbEndpoint: stack.dynamoDbEndpoint,
    [INGESTION_QUEUE_URL_OUTPUT]: localQueueUrl(awsUrl, LOCAL_INGESTION_QUEUE),
    IngestionDeadLetterQueueUrl: localQueueUrl(awsUrl, LOCAL_DEAD_LETTER_QUEUES.ingestion),
    IngestionTargetDeadLetterQueueUrl: localQueueUrl(awsUrl, LOCAL_DEAD_LETTER_QUEUES.ingestionTarget),
    SlaTimerDeadLetterQueueUrl: localQueueUrl(awsUrl, LOCAL_DEAD_LETTER_QUEUES.slaTimers),
    IncidentEscalationStateMachineArn: stack.stepFunctions.stateMachineArn('incidentEscalation'),
    ...Object.fromEntries(
      busRuleConsumers().flatMap(({ rule, targetDeadLetterQueue }) => {
        const outputs = busRuleOutputs(rule.id);
        return [
          [outputs.queueUrl, localQueueUrl(awsUrl, rule.target.queue)],
          [outputs.deadLetterQueueUrl, localQueueUrl(awsUrl, rule.target.deadLetterQueue)],
          [outputs.targetDeadLetterQueueUrl, localQueueUrl(awsUrl, targetDeadLetterQueue)],
        ];
      }),
    ),
    [asyncDeadLetterQueueOutput(emailReceiver())]: localQueueUrl(awsUrl, localAsyncDeadLetterQueue(emailReceiver())),
    [functionNameOutput(emailReceiver())]: emailReceiver(),
    ...Object.fromEntries(
      stack.streamConsumerIds.flatMap((id) => [
        [streamFailureBucketOutput(id), localFailureBucket(id)],
        [functionNameOutput(id), id],
      ]),
    ),
  };
}

/** A stream batch given up on: its failure record goes to the consumer's bucket, as Lambda's S3 on-failure destination. */
function keepStreamFailure(s3: LocalS3, failure: StreamFailure): void {
  const bucket = localFailureBucket(failure.functionId);
  s3.putObject(bucket, failure.key, JSON.stringify(failure.record));
  console.error(
    JSON.stringify({
      level: 'error',
      message: 'dead letter: stream batch given up after retries; its failure record is in the bucket',
      functionId: failure.functionId,
      bucket,
      key: failure.key,
      condition: failure.record.requestContext.condition,
      attempts: failure.record.requestContext.approximateInvokeCount,
      ...(failure.error === undefined ? {} : { error: failure.error }),
    }),
  );
}

/** Starts the API server; its URL as reached from this machine (bound to every interface, still loopback). */
async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const reachableAt = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachableAt}:${(server.address() as AddressInfo).port}`;
}
