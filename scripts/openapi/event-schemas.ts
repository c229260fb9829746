/**
 * JSON Schemas (draft 2020-12) of the event details the product takes in and publishes, declared
 * by the areas that own them (`eventSchemas` in functions/<area>/api.ts) and generated from the
 * zod schemas their handlers validate or publish with, so that senders and subscribers can
 * validate events. scripts/generate-openapi.ts writes them to docs/schemas/ beside
 * docs/openapi.json (and `--check` covers them); test/unit/openapi.test.ts checks the committed
 * files are current.
 */
import type { EventSchemaFile } from '../../functions/shared/api/operation.ts';
import { assembleApi, type DescribedArea, inlineSchema, type JsonObject } from './build.ts';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * A standalone schema: the dialect, then title and description, then the schema as zod input
 * (what a sender writes) or output (what the product publishes). No `$id`: the file is published
 * at whatever address serves it.
 */
function eventDetailSchema({ file, schema, io = 'input', title: givenTitle, description }: EventSchemaFile): JsonObject {
  const where = file.replace(/^.*\//, '').replace(/\.schema\.json$/, '');
  const { title: ownTitle, description: _own, ...rest } = inlineSchema(where, schema, io);
  const title = givenTitle ?? ownTitle;
  if (typeof title !== 'string') throw new Error(`${where}: a published schema needs a title`);
  return { $schema: DIALECT, title, description, ...rest };
}

/** Repository-relative path -> the schema written there, for every area's event schemas. */
export function eventSchemaFiles(areas: readonly DescribedArea[]): Readonly<Record<string, () => JsonObject>> {
  return Object.fromEntries(assembleApi(areas).eventSchemas.map((file) => [file.file, () => eventDetailSchema(file)]));
}
