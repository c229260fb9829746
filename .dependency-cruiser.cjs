// Import boundaries of functions/ (issue 12, "No two areas import each other both ways").
// `npm run boundaries` checks them and `npm test` runs it before the tests, so CI fails on a
// broken boundary. The direction comes from the architecture guide ("Dependencies point one way"):
//   shared <- directory <- sla, known-errors, cmdb <- work areas (incidents, changes, requests, knowledge)
//          <- problems <- cross-cutting reactions (notify, ingestion, escalation, email, search) <- platform, functions/routes.ts
// search (issue 16) is a reaction: its indexer reads the records of incidents, problems, known errors
// and knowledge to index them, so it sits above them all; what those areas need of search (the engine,
// the index reader, suggestedArticles) is functions/shared/search, which knows none of them.
// sla (policies, calendars, clocks, their configuration and report aggregates) is a supporting
// layer like the directory: work areas compute their SLA in the transaction of each write, so they
// import it; what reacts to a breach (the escalation workflow's steps) is the escalation area.
// known-errors (the projection of published known errors, GET /known-errors) supports them the
// same way: problems write its items in the transaction of each problem write (knownErrorEntries)
// and incidents look it up beside their own reads, so both import it and it imports neither (it
// reads problems through the fields it needs, not the problems area's types). The CMDB (issue 14)
// supports them too: incidents, problems and change requests name configuration items by id and ask
// for their impact (functions/cmdb/impact.ts); it knows the directory (a service is the CI of class
// `service`) and none of them.
//
// No exceptions: the back-edges listed when the rules were written are gone (issue 12). Event
// vocabularies live with their areas, the outbox envelope in shared, SLA below the work areas, and
// the escalation workflow's steps change incidents through incidents/operations.ts.

// The layers, bottom to top (after shared, which is below them all): every folder of functions/
// but shared is in exactly one. The rules below are written over these names, so a folder in none
// would escape them: the rule every-folder-has-a-layer fails it, and test/unit/boundaries.test.ts
// checks each folder against LAYERS (exported below for it).
const LAYERS = {
  directory: ['directory'],
  support: ['sla', 'known-errors', 'cmdb'],
  workAreas: ['incidents', 'changes', 'requests', 'knowledge'],
  // Problem management (issue 13) works ON incidents and change requests: it links incidents, resolves
  // them with the problem, names the change request that fixes it and ranks on the incidents' priority
  // matrix. So it sits one layer above them and uses their exported operations and reads; they never
  // import it (they learn of a problem through its events, or through what its operations write).
  // It stays below the reactions, which react to its events.
  problems: ['problems'],
  reactions: ['notify', 'ingestion', 'escalation', 'email', 'search'],
  top: ['platform'],
};

// A folder in two layers would be bound by both layers' rules, which contradict each other.
const layerOf = new Map();
for (const [layer, folders] of Object.entries(LAYERS)) {
  for (const folder of folders) {
    if (layerOf.has(folder)) throw new Error(`.dependency-cruiser.cjs: functions/${folder}/ is in layers ${layerOf.get(folder)} and ${layer}; a folder belongs to exactly one`);
    layerOf.set(folder, layer);
  }
}

const SUPPORT = LAYERS.support.join('|');
const WORK_AREAS = LAYERS.workAreas.join('|');
const PROBLEMS = LAYERS.problems.join('|');
const REACTIONS = LAYERS.reactions.join('|');
const LAYERED = Object.values(LAYERS).flat().join('|');

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
    name: 'every-folder-has-a-layer',
    comment:
      'Every folder of functions/ but shared belongs to exactly one layer (LAYERS at the top of .dependency-cruiser.cjs); a folder in none escapes every layer rule. Add it to the layer it belongs to.',
    severity: 'error',
    from: { path: '^functions/[^/]+/', pathNot: `^functions/(shared|${LAYERED})/` },
    to: {},
  },
  {
    name: 'every-folder-has-a-layer',
    comment:
      'Every folder of functions/ but shared belongs to exactly one layer (LAYERS at the top of .dependency-cruiser.cjs), even a module that imports nothing; a folder in none escapes every layer rule. Add it to the layer it belongs to.',
    severity: 'error',
    from: { orphan: true, path: '^functions/[^/]+/', pathNot: `^functions/(shared|${LAYERED})/` },
    to: {},
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
    name: 'support-imports-only-directory-and-shared',
    comment:
      'sla and known-errors are read by work areas as they write (clocks, policies, report aggregates; the known-error projection); they know no work area, reaction or each other, only the directory (groups, services) and shared.',
    severity: 'error',
    from: { path: `^functions/(${SUPPORT})/` },
    to: { path: '^functions/', pathNot: '^functions/(shared|directory|$1)/' },
  },
  {
    name: 'work-areas-import-only-support-directory-and-shared',
    comment:
      'Work areas (incidents, changes, ...) are reacted to by notify/ingestion/escalation and must not know them or each other; another area is reached through an event or its exported operation.',
    severity: 'error',
    from: { path: `^functions/(${WORK_AREAS})/` },
    to: { path: '^functions/', pathNot: `^functions/(shared|directory|${SUPPORT}|$1)/` },
  },
  {
    name: 'problems-import-only-work-areas-support-directory-and-shared',
    comment:
      'problems sits above incidents and changes (it links incidents, names the change that fixes it, ranks on the incident priority matrix) and below the reactions: it may import the work areas, the support layer, the directory and shared, never a reaction or platform.',
    severity: 'error',
    from: { path: `^functions/(${PROBLEMS})/` },
    to: { path: '^functions/', pathNot: `^functions/(shared|directory|${SUPPORT}|${WORK_AREAS}|$1)/` },
  },
  {
    name: 'reactions-do-not-import-each-other',
    comment:
      'notify, ingestion and escalation react to the work areas; reacting to each other goes through events, so none of them imports another (or platform).',
    severity: 'error',
    from: { path: `^functions/(${REACTIONS})/` },
    to: { path: `^functions/(${REACTIONS}|platform)/`, pathNot: '^functions/$1/' },
  },
  {
    name: 'areas-do-not-import-platform',
    comment: 'platform (the served API description) sits on top of the areas it describes; only the registry lists it.',
    severity: 'error',
    from: { path: '^functions/', pathNot: ['^functions/platform/', '^functions/areas\\.ts$'] },
    to: { path: '^functions/platform/' },
  },
  {
    name: 'areas-do-not-import-the-route-table',
    comment:
      'functions/areas.ts (the registry) and functions/routes.ts (what it adds up to) import every area; an area importing either closes a loop through every area.',
    severity: 'error',
    from: { path: '^functions/[^/]+/' },
    to: { path: '^functions/(routes|areas)\\.ts$' },
  },
  {
    name: 'only-the-registry-loads-area-declarations',
    comment:
      "An area's area.ts and api.ts describe it to the CDK app, the local runtime and the OpenAPI build; a handler or another module importing one would bundle the area's wiring, prose and zod schemas. Only the registry (functions/areas.ts) imports area.ts, and only an area.ts loads its own api.ts.",
    severity: 'error',
    from: { path: '^functions/', pathNot: ['^functions/areas\\.ts$', '^functions/[^/]+/area\\.ts$'] },
    to: { path: '^functions/[^/]+/(area|api)\\.ts$', pathNot: '^functions/shared/' },
  },
  {
    name: 'an-area-declares-only-itself',
    comment: "An area.ts loads its own api.ts, never another area's declarations: each area registers itself, once, in functions/areas.ts.",
    severity: 'error',
    from: { path: '^functions/([^/]+)/area\\.ts$' },
    to: { path: '^functions/[^/]+/(area|api)\\.ts$', pathNot: ['^functions/$1/', '^functions/shared/'] },
  },
  {
    name: 'domain-is-pure',
    comment:
      'domain/ holds pure rules (architecture guide): no storage, no handlers, no AWS SDK, no environment (env.ts, log.ts, http/), so it is unit-tested without the local stack.',
    severity: 'error',
    from: { path: '^functions/[^/]+/domain/' },
    // log.ts reads LOG_LEVEL and http/ reads the request and the environment; a domain rule takes
    // what it needs as arguments. Biome's noProcessEnv (biome.json) refuses process.env itself in domain/.
    to: {
      path: ['/store/', '/handlers/', '^node_modules/@aws-sdk/', '^functions/shared/env\\.ts$', '^functions/shared/log\\.ts$', '^functions/shared/http/'],
    },
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
  forbidden: rules,
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

// For test/unit/boundaries.test.ts. Not enumerable: dependency-cruiser refuses a configuration key it does not know.
Object.defineProperty(module.exports, 'layers', { value: LAYERS, enumerable: false });
