/**
 * Writes docs/openapi.json from the registered areas (functions/areas.ts: each area's routes and
 * api.ts, see scripts/openapi/), the compressed copy GET /openapi.json serves
 * (scripts/openapi/served-document.ts), and the JSON Schemas of event details the areas declare
 * to docs/schemas/ (scripts/openapi/event-schemas.ts).
 *
 *   npm run openapi              regenerate the files
 *   npm run openapi -- --check   exit 1 if a committed file is not what the sources give (for CI)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AREAS } from '../functions/areas.ts';
import { buildOpenApiDocument, describeAreas, serializeOpenApiDocument } from './openapi/build.ts';
import { eventSchemaFiles } from './openapi/event-schemas.ts';
import { documentJsonOf, SERVED_DOCUMENT_MODULE, servedDocumentModule } from './openapi/served-document.ts';

const check = process.argv.slice(2).includes('--check');

const areas = await describeAreas(AREAS);
const openApiDocument = buildOpenApiDocument(areas);
const documentJson = JSON.stringify(openApiDocument);

/** Each file, its generated text, and (when not byte for byte) how a committed text is judged current. */
const outputs: [path: string, text: string, isCurrent?: (committed: string) => boolean][] = [
  ['docs/openapi.json', serializeOpenApiDocument(openApiDocument)],
  // Another zlib build may compress the same text to other bytes: current when it holds the same text.
  [SERVED_DOCUMENT_MODULE, servedDocumentModule(documentJson), (committed) => documentJsonOf(committed) === documentJson],
  ...Object.entries(eventSchemaFiles(areas)).map(([path, build]): [string, string] => [path, serializeOpenApiDocument(build())]),
];

let stale = 0;
for (const [path, generated, isCurrent = (committed: string) => committed === generated] of outputs) {
  const target = fileURLToPath(new URL(`../${path}`, import.meta.url));
  let committed: string | undefined;
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    committed = undefined;
  }
  const size = `${(Buffer.byteLength(generated) / 1024).toFixed(1)} KB`;
  const current = committed !== undefined && isCurrent(committed);
  if (check) {
    if (current) {
      console.log(`${path} is up to date (${size}).`);
    } else {
      console.error(`${path} is out of date with the areas (their area.ts and api.ts) or the schemas: run \`npm run openapi\` and commit the result.`);
      stale += 1;
    }
  } else if (current) {
    console.log(`${path} unchanged (${size}).`);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, generated);
    console.log(`${path} written (${size}).`);
  }
}
if (stale > 0) process.exit(1);
