// Import boundaries of functions/ (issue 12, "No two areas import each other both ways").
// `npm run boundaries` checks them and `npm test` runs it before the tests, so CI fails on a
// broken boundary. The direction comes from the architecture guide ("Dependencies point one way"):
//   shared <- directory <- work areas (incidents, changes, problems, requests, knowledge, cmdb)
//          <- cross-cutting reactions (sla, notify, ingestion) <- platform, functions/routes.ts
//
// KNOWN_BACK_EDGES lists the imports that broke a rule when the rules were written. Each one is
// allowed only from that file to those targets, so a new back-edge anywhere still fails. They are
// issue-12 follow-ups: remove an entry when its import goes (a stale entry allows nothing new).

const WORK_AREAS = 'incidents|changes|problems|requests|knowledge|cmdb';
const REACTIONS = 'sla|notify|ingestion';

const KNOWN_BACK_EDGES = {
  // Work areas write notify's outbox and read sla's types/config directly; issue-12 follow-up:
  // areas declare their own event types and notify/sla assemble them from a registry.
  'work-areas-import-only-directory-and-shared': {
    'functions/changes/change-write.ts': ['functions/notify/domain/change-events.ts', 'functions/notify/domain/events.ts'],
    'functions/changes/handlers/approval-steps.ts': ['functions/notify/domain/change-events.ts', 'functions/notify/domain/events.ts'],
    'functions/changes/handlers/approvals.ts': ['functions/notify/domain/change-events.ts'],
    'functions/changes/handlers/implementation.ts': ['functions/notify/domain/change-events.ts'],
    'functions/incidents/change.ts': [
      'functions/notify/domain/events.ts',
      'functions/notify/store/outbox-store.ts',
      'functions/sla/domain/incident-sla.ts',
      'functions/sla/domain/types.ts',
      'functions/sla/store/report-store.ts',
    ],
    'functions/incidents/domain/incident.ts': ['functions/sla/domain/types.ts'],
    'functions/incidents/handlers/add-note.ts': ['functions/notify/domain/events.ts', 'functions/notify/store/outbox-store.ts'],
    'functions/incidents/handlers/create-incident.ts': ['functions/sla/store/config-store.ts'],
    'functions/incidents/handlers/update-incident.ts': [
      'functions/ingestion/store/alert-store.ts',
      'functions/sla/domain/types.ts',
      'functions/sla/store/config-store.ts',
    ],
    'functions/incidents/present.ts': ['functions/sla/domain/incident-sla.ts'],
  },
  // Reactions share sla's types and notify's outbox; issue-12 follow-up: the outbox and the
  // shared SLA vocabulary move down (shared or an exported operation).
  'reactions-do-not-import-each-other': {
    'functions/ingestion/handlers/apply-alert-events.ts': ['functions/sla/store/config-store.ts'],
    'functions/notify/domain/events.ts': ['functions/sla/domain/types.ts'],
    'functions/notify/schemas/events.ts': ['functions/sla/domain/types.ts'],
    'functions/notify/sinks/timers.ts': ['functions/sla/domain/types.ts'],
    'functions/sla/handlers/escalation-steps.ts': ['functions/notify/domain/events.ts', 'functions/notify/store/outbox-store.ts'],
  },
  // Builds outbox items and reads the event bus name from the environment; issue-12 follow-up
  // ("pure domain code never reads the environment and never builds storage items").
  'domain-is-pure': {
    'functions/notify/domain/change-events.ts': [
      'functions/notify/store/outbox-keys.ts',
      'functions/shared/env.ts',
      'functions/shared/store/db.ts',
    ],
  },
};

const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactly = (paths) => `^(${paths.map(escape).join('|')})$`;

// One rule for everyone but the excepted files, plus one per excepted file that also allows
// exactly its listed targets.
function withKnownBackEdges(rule) {
  const exceptions = KNOWN_BACK_EDGES[rule.name] ?? {};
  const files = Object.keys(exceptions);
  if (files.length === 0) return [rule];
  const general = { ...rule, from: { ...rule.from, pathNot: exactly(files) } };
  const perFile = files.map((file, index) => {
    // The file's own area fills in what the general rule's `$1` would have captured.
    const ownArea = (pattern) => pattern.replaceAll('$1', file.split('/')[1]);
    return {
      ...rule,
      name: `${rule.name}-known-${index + 1}`,
      comment: `${rule.comment} Known back-edge of ${file} (issue-12 follow-up); nothing new allowed.`,
      from: { path: exactly([file]) },
      to: {
        ...rule.to,
        pathNot: [...[rule.to.pathNot ?? []].flat().map(ownArea), exactly(exceptions[file])],
      },
    };
  });
  return [general, ...perFile];
}

const rules = [
  {
    name: 'no-cycles-between-areas',
    comment:
      'Two areas that import each other cannot be changed, tested or deployed apart; one of them publishes an event or exposes an operation instead.',
    severity: 'error',
    from: { path: '^functions/([^/]+)/' },
    to: { circular: true, pathNot: '^functions/$1/' },
  },
  {
    name: 'shared-imports-no-area',
    comment: 'shared is the bottom layer: every area may use it, so it may know none of them.',
    severity: 'error',
    from: { path: '^functions/shared/' },
    to: { path: '^functions/', pathNot: '^functions/shared/' },
  },
  {
    name: 'directory-imports-only-shared',
    comment: 'People, groups and services are read by every work area; the directory depends on none of them.',
    severity: 'error',
    from: { path: '^functions/directory/' },
    to: { path: '^functions/', pathNot: '^functions/(shared|directory)/' },
  },
  {
    name: 'work-areas-import-only-directory-and-shared',
    comment:
      'Work areas (incidents, changes, ...) are reacted to by sla/notify/ingestion and must not know them or each other; another area is reached through an event or its exported operation.',
    severity: 'error',
    from: { path: `^functions/(${WORK_AREAS})/` },
    to: { path: '^functions/', pathNot: '^functions/(shared|directory|$1)/' },
  },
  {
    name: 'reactions-do-not-import-each-other',
    comment:
      'sla, notify and ingestion react to the work areas; reacting to each other goes through events, so none of them imports another (or platform).',
    severity: 'error',
    from: { path: `^functions/(${REACTIONS})/` },
    to: { path: `^functions/(${REACTIONS}|platform)/`, pathNot: '^functions/$1/' },
  },
  {
    name: 'areas-do-not-import-platform',
    comment: 'platform (the served API description) sits on top of the areas it describes.',
    severity: 'error',
    from: { path: '^functions/', pathNot: '^functions/platform/' },
    to: { path: '^functions/platform/' },
  },
  {
    name: 'areas-do-not-import-the-route-table',
    comment: 'functions/routes.ts assembles the areas; an area importing it closes a loop through every area.',
    severity: 'error',
    from: { path: '^functions/[^/]+/' },
    to: { path: '^functions/routes\\.ts$' },
  },
  {
    name: 'domain-is-pure',
    comment:
      'domain/ holds pure rules (architecture guide): no storage, no handlers, no AWS SDK, no environment, so it is unit-tested without the local stack.',
    severity: 'error',
    from: { path: '^functions/[^/]+/domain/' },
    to: { path: ['/store/', '/handlers/', '^node_modules/@aws-sdk/', '^functions/shared/env\\.ts$'] },
  },
  {
    name: 'functions-import-no-tooling',
    comment: 'Deployed code is bundled from functions/ alone; the local runtime, CDK, tests, benches and scripts are not shipped.',
    severity: 'error',
    from: { path: '^functions/' },
    to: { path: '^(local|infra|test|bench|scripts)/' },
  },
  {
    name: 'imports-resolve',
    comment: 'An import the checker cannot resolve is an import it cannot check.',
    severity: 'error',
    from: {},
    to: { couldNotResolve: true },
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: rules.flatMap(withKnownBackEdges),
  options: {
    // typescript 7 has no compiler API for dependency-cruiser to parse with; swc parses .ts.
    parser: 'swc',
    // Resolves the `.ts` extensions in imports (allowImportingTsExtensions) as tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are edges too: an area that needs another's types depends on it.
    tsPreCompilationDeps: true,
  },
};
