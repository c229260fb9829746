/**
 * JSON Schemas (draft 2020-12) of the event details the product takes in and publishes, declared
 * by the areas that own them (`eventSchemas` in functions/<area>/api.ts) and generated from the
 * zod schemas their handlers validate or publish with, so that senders and subscribers can
 * validate events. scripts/generate-openapi.ts writes them to docs/schemas/ beside
 * docs/openapi.json (and `--check` covers them); test/unit/openapi.test.ts checks the committed
 * files are current.
 */
import type * as z from 'zod';
import type { EventSchemaFile, PublishedEventDetail } from '../../functions/shared/api/operation.ts';
import type { Area } from '../../functions/shared/area.ts';
import { assembleApi, type DescribedArea, describeAreas, inlineSchema, type JsonObject } from './build.ts';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** An area's schema file with its schema and description resolved (built from every area's published events when given as functions). */
export interface ResolvedEventSchemaFile extends EventSchemaFile {
  readonly schema: z.ZodType;
  readonly description: string;
}

function resolve(file: EventSchemaFile, published: readonly PublishedEventDetail[]): ResolvedEventSchemaFile {
  return {
    ...file,
    schema: typeof file.schema === 'function' ? file.schema(published) : file.schema,
    description: typeof file.description === 'function' ? file.description(published) : file.description,
  };
}

/**
 * A standalone schema: the dialect, then title and description, then the schema as zod input
 * (what a sender writes) or output (what the product publishes). No `$id`: the file is published
 * at whatever address serves it.
 */
function eventDetailSchema({ file, schema, io = 'input', title: givenTitle, description }: ResolvedEventSchemaFile): JsonObject {
  const where = file.replace(/^.*\//, '').replace(/\.schema\.json$/, '');
  const { title: ownTitle, description: _own, ...rest } = inlineSchema(where, schema, io);
  const title = givenTitle ?? ownTitle;
  if (typeof title !== 'string') throw new Error(`${where}: a published schema needs a title`);
  return { $schema: DIALECT, title, description, ...rest };
}

/**
 * Every area's event schema files (repository-relative path -> zod schema and description), those
 * built from the areas' published event details (the catalogue-wide domain event detail and
 * notification message) built from these areas'. Tests validate built records with them.
 */
export function eventSchemasOf(areas: readonly DescribedArea[]): Readonly<Record<string, ResolvedEventSchemaFile>> {
  const { eventSchemas, publishedEvents } = assembleApi(areas);
  return Object.fromEntries(eventSchemas.map((file) => [file.file, resolve(file, publishedEvents)]));
}

/** Repository-relative path -> the schema written there, for every area's event schemas. */
export function eventSchemaFiles(areas: readonly DescribedArea[]): Readonly<Record<string, () => JsonObject>> {
  return Object.fromEntries(Object.entries(eventSchemasOf(areas)).map(([path, file]) => [path, () => eventDetailSchema(file)]));
}

/**
 * Every given area's published event details (registry order), checked against the event types
 * each publishes: what the catalogue-wide schemas are built from, and what unit tests build them
 * from (domainEventDetailOf and notificationMessageOf in functions/notify/schemas/events.ts).
 */
export const publishedEventDetails = async (areas: readonly Area[]): Promise<readonly PublishedEventDetail[]> =>
  assembleApi(await describeAreas(areas)).publishedEvents;
