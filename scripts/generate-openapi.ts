/**
 * Writes docs/openapi.json from the route table and the zod schemas (see scripts/openapi/).
 *
 *   npm run openapi              regenerate the file
 *   npm run openapi -- --check   exit 1 if the committed file is not what the sources give (for CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, serializeOpenApiDocument } from './openapi/build.ts';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const check = process.argv.slice(2).includes('--check');

const generated = serializeOpenApiDocument(buildOpenApiDocument());
let committed: string | undefined;
try {
  committed = readFileSync(target, 'utf8');
} catch {
  committed = undefined;
}

const size = `${(Buffer.byteLength(generated) / 1024).toFixed(1)} KB`;
if (check) {
  if (committed !== generated) {
    console.error('docs/openapi.json is out of date with the route table or the schemas: run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log(`docs/openapi.json is up to date (${size}).`);
} else if (committed === generated) {
  console.log(`docs/openapi.json unchanged (${size}).`);
} else {
  writeFileSync(target, generated);
  console.log(`docs/openapi.json written (${size}).`);
}
