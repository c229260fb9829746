/**
 * Writes docs/openapi.json from the route table and the zod schemas (see scripts/openapi/), and
 * the JSON Schemas of event details to docs/schemas/ (scripts/openapi/event-schemas.ts).
 *
 *   npm run openapi              regenerate the files
 *   npm run openapi -- --check   exit 1 if a committed file is not what the sources give (for CI)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, serializeOpenApiDocument } from './openapi/build.ts';
import { EVENT_SCHEMA_FILES } from './openapi/event-schemas.ts';

const check = process.argv.slice(2).includes('--check');

const outputs: [path: string, text: string][] = [
  ['docs/openapi.json', serializeOpenApiDocument(buildOpenApiDocument())],
  ...Object.entries(EVENT_SCHEMA_FILES).map(([path, build]): [string, string] => [path, serializeOpenApiDocument(build())]),
];

let stale = 0;
for (const [path, generated] of outputs) {
  const target = fileURLToPath(new URL(`../${path}`, import.meta.url));
  let committed: string | undefined;
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    committed = undefined;
  }
  const size = `${(Buffer.byteLength(generated) / 1024).toFixed(1)} KB`;
  if (check) {
    if (committed === generated) {
      console.log(`${path} is up to date (${size}).`);
    } else {
      console.error(`${path} is out of date with the route table or the schemas: run \`npm run openapi\` and commit the result.`);
      stale += 1;
    }
  } else if (committed === generated) {
    console.log(`${path} unchanged (${size}).`);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, generated);
    console.log(`${path} written (${size}).`);
  }
}
if (stale > 0) process.exit(1);
