/**
 * Sums up a V8 .cpuprofile (what bench/load.ts --cpu-prof writes): the share of samples by where
 * the time was spent itself (self time, by function and by package or source folder) and, for the
 * frames that explain a request, the share of samples they were on the stack (total time).
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { REPO_ROOT } from './bundle.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package of node_modules, a folder of the repository, node itself, or V8's own bookkeeping. */
export function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules !== null) return modules[1] as string;
  const inRepo = relative(REPO_ROOT, path);
  if (!inRepo.startsWith('..')) return inRepo.split('/').slice(0, 2).join('/');
  return path;
}

export interface ProfileSummary {
  readonly samples: number;
  readonly seconds: number;
  readonly selfByFunction: [string, number][];
  readonly selfByPlace: [string, number][];
  /**
   * Every sample once, by the code that caused it: the nearest frame of a package or of this
   * repository from the leaf up (node's own and native frames count for their caller; a sample with
   * none above it is node's own work: HTTP parsing, sockets, timers).
   */
  readonly byOwner: [string, number][];
  /** Share of samples with a frame matching each pattern on the stack. */
  readonly onStack: [string, number][];
}

export function summarize(profile: Profile, patterns: readonly [string, RegExp][] = []): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const selfByFunction = new Map<string, number>();
  const selfByPlace = new Map<string, number>();
  const onStack = new Map<string, number>(patterns.map(([name]) => [name, 0]));
  const byOwner = new Map<string, number>();
  for (const [id, count] of counts) {
    const node = byId.get(id) as ProfileNode;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${place}${url === '' ? '' : `:${lineNumber + 1}`}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + count);
    selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + count);
    const seen = new Set<string>();
    let owner: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame;
      const label = `${frame.functionName} ${frame.url}`;
      for (const [patternName, pattern] of patterns) if (!seen.has(patternName) && pattern.test(label)) seen.add(patternName);
      if (owner === undefined && frame.url !== '' && !frame.url.startsWith('node:')) owner = placeOf(frame.url, frame.functionName);
    }
    if (owner === undefined) owner = place.startsWith('(') && place !== '(native)' ? place : 'node (HTTP, sockets, timers)';
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + count);
    for (const patternName of seen) onStack.set(patternName, (onStack.get(patternName) ?? 0) + count);
  }
  const share = (entries: Map<string, number>): [string, number][] =>
    [...entries].map(([k, v]) => [k, v / total] as [string, number]).sort((a, b) => b[1] - a[1]);
  return {
    samples: total,
    seconds: (profile.endTime - profile.startTime) / 1e6,
    selfByFunction: share(selfByFunction),
    selfByPlace: share(selfByPlace),
    byOwner: share(byOwner),
    onStack: share(onStack),
  };
}

/** Frames worth knowing the total time of, in a list or get request of this code base. */
export const REQUEST_FRAMES: readonly [string, RegExp][] = [
  ['idle (program idle)', /^\(idle\) /],
  ['garbage collector', /^\(garbage collector\) /],
  ['local HTTP server (local/http-server.ts)', /local\/http-server\.ts/],
  ['JWT check (jose)', /node_modules\/jose\//],
  ['handler pipeline (middy)', /@middy\/core/],
  ['zod (query parsing)', /node_modules\/zod\//],
  ['AWS SDK (all)', /node_modules\/@(aws-sdk|smithy)\//],
  ['DynamoDB document marshalling (util-dynamodb)', /util-dynamodb/],
  ['SLA views (functions/sla/domain)', /functions\/sla\/domain\//],
  ['business calendar (calendar.ts)', /functions\/sla\/domain\/calendar\.ts/],
  ['JSON.stringify', /^stringify /],
  ['JSON.parse', /^parse $/],
  ['logger (powertools)', /@aws-lambda-powertools/],
];

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: bench/profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(process.argv[3] ?? 25);
  const summary = summarize(JSON.parse(await readFile(file, 'utf8')) as Profile, REQUEST_FRAMES);
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${summary.samples} samples over ${summary.seconds.toFixed(1)} s`);
  console.log('\non the stack (total):');
  for (const [name, share] of summary.onStack) console.log(`  ${pct(share)}  ${name}`);
  console.log('\nby owner (the nearest package or folder of the stack):');
  for (const [name, share] of summary.byOwner.slice(0, top)) console.log(`  ${pct(share)}  ${name}`);
  console.log('\nself, by package or folder:');
  for (const [name, share] of summary.selfByPlace.slice(0, top)) console.log(`  ${pct(share)}  ${name}`);
  console.log('\nself, by function:');
  for (const [name, share] of summary.selfByFunction.slice(0, top)) console.log(`  ${pct(share)}  ${name}`);
}
