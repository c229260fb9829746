import { basename } from 'node:path';
import { CONSUMERS, WORKFLOWS } from '../functions/routes.ts';
import { REPLAY_GROUPS } from '../infra/constructs/dead-letter-replay.ts';
import { apiHost, awsPort, dataDirectory, dynamoDbPort, httpPort, LOCAL_TABLE_NAME, SettingError, smtpPort } from './config.ts';
import { LOCAL_INGESTION_BUS } from './eventbridge.ts';
import { checkJava } from './java.ts';
import { unusablePortMessage } from './ports.ts';
import { LOCAL_MAIL_REPLY_TO, type LocalStack, startLocalStack } from './runtime.ts';
import { DEMO_USERS } from './seed.ts';

/** `npm start`: the whole backend on this machine, no AWS account. */
const java = checkJava();
if (!java.ok) {
  console.error(`\n${java.message}\n`);
  process.exit(1);
}

/** The settings from the environment; a bad one stops the start with its message. */
function readSettings() {
  try {
    return { dataDir: dataDirectory(), httpPort: httpPort(), httpHost: apiHost(), awsPort: awsPort(), smtpPort: smtpPort(), dynamoDbPort: dynamoDbPort() };
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
const settings = readSettings();
const { dataDir } = settings;
// Before anything starts or writes: a second `npm start` must not touch the first one's data.
const unusablePort = await unusablePortMessage([
  { port: settings.httpPort, host: settings.httpHost, what: 'the API', setting: 'PORT' },
  { port: settings.awsPort, host: '127.0.0.1', what: 'the local AWS endpoints', setting: 'AWS_PORT' },
  { port: settings.dynamoDbPort, host: '127.0.0.1', what: 'DynamoDB Local', setting: 'DYNAMODB_PORT' },
  { port: settings.smtpPort, host: '127.0.0.1', what: 'the SMTP listener', setting: 'SMTP_PORT' },
]);
if (unusablePort !== undefined) {
  console.error(unusablePort);
  process.exit(1);
}

const started = performance.now();
let stack: LocalStack;
try {
  stack = await startLocalStack({
    ...settings,
    tableName: LOCAL_TABLE_NAME,
    seed: true,
    // One line per API request: method, path, status, duration, and the request id the response carries.
    onRequest: (r) => console.log(`[api] ${r.method} ${r.path} ${r.status} ${r.ms.toFixed(0)} ms ${r.requestId}`),
    onTokenRejected: (r) => console.log(`[auth] token rejected: ${r.reason} (${r.method} ${r.path}, request ${r.requestId})`),
    // Data an earlier version wrote, upgraded before serving (scripts/migrations.ts): one line each.
    onMigrated: (m) => console.log(`[migrate] ${m.name}: ${m.summary} (${(m.ms / 1000).toFixed(1)} s)`),
  });
} catch (error) {
  const message = (error as Error).message;
  console.error(`\nThe local stack did not start: ${message}`);
  if (/EADDRINUSE/.test(message))
    console.error(
      'A port was taken while starting: set PORT (API), AWS_PORT (local AWS endpoints), SMTP_PORT (SMTP listener) or DYNAMODB_PORT (DynamoDB Local) to free ones.',
    );
  process.exit(1);
}

// The shell quoting keeps the example copy-pasteable; the CLI needs some credentials and a Region.
const exampleEntries = JSON.stringify([
  {
    EventBusName: LOCAL_INGESTION_BUS,
    Source: 'com.example.checkout',
    DetailType: 'Incident Trigger',
    Detail: JSON.stringify({ dedupKey: 'checkout-latency', title: 'Checkout latency high', severity: 'error', service: 'payments' }),
  },
]);
// POST /v2/enqueue speaks PagerDuty Events v2: tools need an integration key, which an admin creates.
const enqueueExample = `

Or over HTTP, as PagerDuty Events v2 tools do (an admin creates the service's integration key):
  KEY=$(curl -s -X POST ${stack.url}/services/payments/integrations -H "authorization: Bearer $(npm run --silent token -- --sub ada --groups admin)" \\
    -H 'content-type: application/json' -d '{"name":"demo"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).routingKey')
  curl -s -X POST ${stack.url}/v2/enqueue -H 'content-type: application/json' \\
    -d '{"routing_key":"'$KEY'","event_action":"trigger","dedup_key":"disk-full","payload":{"summary":"Disk full on db-2","source":"db-2","severity":"error"}}'`;
// What the local default bus takes besides alarms: the areas' bus rules that AWS may attach to it (cmdbFromDefaultBus).
const defaultBusRules = CONSUMERS.flatMap(({ source }) =>
  source.kind === 'ingestionBusRule' && source.fromDefaultBusOption !== undefined ? [source.ruleId] : [],
);
const users = DEMO_USERS.map((u) => `    ${u.id.padEnd(6)} ${u.groups.length > 0 ? u.groups.join(',') : 'requester'}`).join('\n');
console.log(`
ITSM backend running locally (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)

  API            ${stack.url}            (GET /health, GET /openapi.json)${settings.httpHost === '127.0.0.1' ? '' : `  listening on ${settings.httpHost}`}
  DynamoDB Local ${stack.dynamoDbEndpoint}   table ${stack.tableName}
  SMTP listener  ${stack.smtp.url}       (stands in for SES receiving: mail to ${LOCAL_MAIL_REPLY_TO} opens a request, to incident@itsm.local an incident)
  Data folder    ${dataDir}

Local AWS endpoints at ${stack.awsEndpoint}: EventBridge (bus ${LOCAL_INGESTION_BUS}; on the default bus: alarms${defaultBusRules.map((rule) => `, ${rule}`).join('')}),
  Step Functions (workflows: ${Object.values(WORKFLOWS)
    .map((w) => basename(w.definitionFile, '.asl.json'))
    .join(', ')}), EventBridge Scheduler (SLA timers), SNS (notifications)
  Notifications and domain events are printed here as they are published; listed at
    curl -s ${stack.awsEndpoint}/local/notifications     curl -s ${stack.awsEndpoint}/local/events
  SLA timers and workflow executions:
    curl -s ${stack.awsEndpoint}/local/schedules         curl -s ${stack.awsEndpoint}/local/executions
  SES: mail the product would have sent (the mail catcher): curl -s ${stack.mailCatcherUrl}
  Given-up deliveries: curl -s ${stack.awsEndpoint}/local/dead-letters   replay them: npm run replay-dead-letters -- --queue <${REPLAY_GROUPS.join('|')}>

Mint a token (in another terminal), then call the API:
  TOKEN=$(npm run --silent token -- --sub alice --groups agent)
  curl -s ${stack.url}/incidents -H "authorization: Bearer $TOKEN"

Open an incident from an event (any credentials and Region do):
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\
    aws events put-events --endpoint-url ${stack.awsEndpoint} --region us-east-1 --entries '${exampleEntries}'${enqueueExample}

Open a request by e-mail (a demo user's address; any mail client, curl or swaks does):
  printf 'From: carol@example.com\\r\\nTo: ${LOCAL_MAIL_REPLY_TO}\\r\\nSubject: Printer on floor 2 jams\\r\\n\\r\\nEvery page.\\r\\n' | \\
    curl -s smtp://127.0.0.1:${stack.smtp.port} --mail-from carol@example.com --mail-rcpt ${LOCAL_MAIL_REPLY_TO} --upload-file -
  swaks --server 127.0.0.1:${stack.smtp.port} --from carol@example.com --to ${LOCAL_MAIL_REPLY_TO} --header 'Subject: Printer on floor 2 jams' --body 'Every page.'

Demo users (sub, groups):
${users}

Press Ctrl+C to stop; data stays in the data folder.
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
